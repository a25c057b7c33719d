/* A conversation, a thread and the composers: messages as Slack shows them, with their menus. */
(function () {
  "use strict";
  const PM = window.PM;
  const h = PM.h;
  const S = () => PM.S;
  const COLORS = ["#e8912d", "#2bac76", "#1d9bd1", "#e01e5a", "#4a154b", "#de4e2b", "#3aa3e3"];

  function author(m) {
    if (m.kind === "notice") return { name: "Slack", avatar: "!", color: "#e01e5a" };
    const u = S().users[m.user] || { name: m.user, real_name: m.user };
    if (m.bot) return { name: "pmbot", avatar: "pm", color: "#1d3557", app: true };
    const i = Object.keys(S().users).indexOf(m.user);
    return { name: u.real_name, avatar: u.real_name[0], color: COLORS[Math.max(i, 0) % COLORS.length] };
  }

  function surfaceFor(m, channel) {
    return {
      kind: "message", ctx: PM.ctx(), values: {}, errors: {},
      users: S().ws.users, channels: S().ws.channels,
      onAction: (action) => PM.act({ channel, ts: m.ts, ephemeral: m.kind === "ephemeral", action, values: {} }),
    };
  }

  PM.act = async function (body) {
    await PM.api("/api/click", { user: S().me, ...body });
    await PM.refresh();
  };

  function body(m, channel) {
    const parts = [];
    if (m.kind === "notice") return h("div", { class: "notice-text", text: m.text });
    if (m.blocks && m.blocks.length) parts.push(PM.renderBlocks(m.blocks, surfaceFor(m, channel)));
    else if (m.text) parts.push(h("div", { class: "bk-text", html: PM.mrkdwn(m.text, PM.ctx()) }));
    for (const a of m.attachments || []) {
      const inner = a.blocks ? PM.renderBlocks(a.blocks, surfaceFor(m, channel)) : h("div", { html: PM.mrkdwn(a.text || a.fallback || "", PM.ctx()) });
      parts.push(h("div", { class: "attachment", style: `border-color:${a.color || "#ddd"}` }, inner));
    }
    for (const f of m.files || []) {
      const image = (f.mimetype || "").startsWith("image/");
      parts.push(h("div", { class: "file" }, h("div", { class: "file-title", text: f.title || f.name }),
        image ? h("img", { class: "file-image", src: `/api/file/${f.id}`, alt: f.title || f.name })
          : h("button", { type: "button", class: "file-open", "data-file": f.id, text: f.name, onclick: () => PM.openFile(f) })));
    }
    return h("div", { class: "msg-body" }, parts);
  }

  function menu(m, channel, inThread) {
    if (m.kind !== "message") return null;
    const list = h("div", { class: "menu hidden msg-menu" },
      inThread ? null : h("button", { type: "button", class: "menu-item", text: "Reply in thread", onclick: () => PM.openThread(m.ts) }),
      h("div", { class: "menu-title", text: "pmbot" }),
      S().ws.shortcuts.map((s) => h("button", {
        type: "button", class: "menu-item shortcut", "data-callback": s.callback_id, text: s.name,
        onclick: async () => {
          list.classList.add("hidden");
          await PM.api("/api/shortcut", { user: S().me, channel, ts: m.ts, callback_id: s.callback_id });
          await PM.refresh();
        },
      })));
    return h("div", { class: "msg-actions" },
      inThread ? null : h("button", { type: "button", class: "icon-btn", title: "Reply in thread", text: "💬", onclick: () => PM.openThread(m.ts) }),
      h("span", { class: "menu-anchor" },
        h("button", { type: "button", class: "icon-btn more", title: "More actions", text: "⋮",
          onclick: (e) => { e.stopPropagation(); PM.closeMenus(list); list.classList.toggle("hidden"); } }),
        list));
  }

  function message(m, channel, previous, inThread) {
    const who = author(m);
    const compact = previous && previous.kind === m.kind && m.kind === "message" && previous.user === m.user &&
      Number(m.ts) - Number(previous.ts) < 300 && PM.dayLabel(previous.ts) === PM.dayLabel(m.ts);
    const meta = compact ? null : h("div", { class: "meta" },
      h("span", { class: "author", text: who.name }), who.app ? h("span", { class: "app-badge", text: "APP" }) : null,
      h("span", { class: "time", title: PM.timeOf(m.ts, true), text: PM.timeOf(m.ts) }));
    const replies = !inThread && m.reply_count
      ? h("div", { class: "replies" }, h("button", { type: "button", class: "replies-link", onclick: () => PM.openThread(m.ts),
          text: `${m.reply_count} ${m.reply_count === 1 ? "reply" : "replies"}` }),
        m.latest_reply ? h("span", { class: "replies-last", text: `Last reply ${PM.timeOf(m.latest_reply, true).replace(/^(Today|Yesterday)/, (d) => d.toLowerCase())}` }) : null)
      : null;
    return h("div", { class: `message ${m.kind}${compact ? " compact" : ""}`, "data-ts": m.ts, "data-user": m.user || "" },
      h("div", { class: "gutter" }, compact
        ? h("span", { class: "hover-time", text: PM.timeOf(m.ts).replace(/ [AP]M$/, "") })
        : h("div", { class: "avatar", style: `background:${who.color}`, text: who.avatar })),
      h("div", { class: "content" }, meta,
        m.kind === "ephemeral" ? h("div", { class: "only-you", text: "👁 Only visible to you" }) : null,
        body(m, channel), m.edited ? h("span", { class: "edited", text: "(edited)" }) : null, replies),
      menu(m, channel, inThread));
  }

  function list(messages, channel, inThread) {
    const out = [];
    let previous = null, day = null;
    messages.forEach((m, i) => {
      const label = PM.dayLabel(m.ts);
      if (day !== null && label !== day || (day === null && !inThread)) {
        out.push(h("div", { class: "day-divider" }, h("span", { text: label })));
        previous = null;
      }
      day = label;
      out.push(message(m, channel, previous, inThread));
      if (inThread && i === 0 && messages.length > 1) {
        out.push(h("div", { class: "thread-count", text: `${messages.length - 1} ${messages.length === 2 ? "reply" : "replies"}` }));
        previous = null;
      } else {
        previous = m;
      }
    });
    return out;
  }

  function keepScroll(box, fill) {
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 60;
    const top = box.scrollTop;
    fill();
    box.scrollTop = atBottom ? box.scrollHeight : top;
  }

  PM.drawMain = function (snap) {
    const s = S();
    const conv = snap.sidebar.find((c) => c.id === s.channel);
    const head = document.getElementById("channel-head");
    const im = conv && conv.kind === "im";
    head.replaceChildren(
      h("div", { class: "channel-title" }, h("span", { text: im ? "pmbot" : `# ${conv ? conv.name : ""}` }),
        im ? h("span", { class: "app-badge", text: "APP" }) : null),
      im ? h("div", { class: "tabs" },
        h("button", { type: "button", id: "tab-home", class: `tab${s.tab === "home" ? " active" : ""}`, text: "Home", onclick: () => PM.open(s.channel, "home") }),
        h("button", { type: "button", id: "tab-messages", class: `tab${s.tab !== "home" ? " active" : ""}`, text: "Messages", onclick: () => PM.open(s.channel, "messages") }))
        : h("div", { class: "channel-members", text: conv ? `${conv.members.length} members` : "" }));
    document.body.classList.toggle("home-tab", s.tab === "home");
    const box = document.getElementById("messages");
    if (s.tab === "home") {
      box.replaceChildren(PM.drawHome(snap.home));
      return;
    }
    keepScroll(box, () => box.replaceChildren(...list(snap.messages || [], s.channel, false)));
    const composer = document.querySelector("#composer textarea");
    composer.placeholder = im ? "Message pmbot" : `Message #${conv ? conv.name : ""}`;
  };

  PM.openThread = function (ts) {
    S().thread = ts;
    PM.refresh();
  };

  PM.drawThread = function (snap) {
    const s = S();
    const pane = document.getElementById("thread");
    pane.classList.toggle("hidden", !s.thread || s.tab === "home");
    if (!s.thread || !snap.thread) return;
    const conv = snap.sidebar.find((c) => c.id === s.channel);
    document.getElementById("thread-where").textContent = conv && conv.kind !== "im" ? `# ${conv.name}` : "pmbot";
    const box = document.getElementById("thread-messages");
    keepScroll(box, () => box.replaceChildren(...list(snap.thread, s.channel, true)));
  };

  // ---- composers

  function suggestions(textarea, box) {
    const text = textarea.value;
    const s = S();
    box.replaceChildren();
    let items = [];
    const word = text.slice(0, textarea.selectionStart).match(/(^|\s)@([\w.\-]*)$/);
    if (/^\/\S*$/.test(text)) {
      items = s.ws.commands.filter((c) => c.command.startsWith(text)).map((c) => ({
        fill: `${c.command} `, html: `<b>${PM.esc(c.command)}</b> <span class="hint">${PM.esc(c.usage_hint)}</span><div class="desc">${PM.esc(c.description)}</div>`,
      }));
    } else if (word) {
      items = s.ws.users.filter((u) => u.name.startsWith(word[2].toLowerCase()) || u.real_name.toLowerCase().startsWith(word[2].toLowerCase()))
        .map((u) => ({ fill: text.slice(0, textarea.selectionStart - word[2].length) + `${u.name} ` + text.slice(textarea.selectionStart),
          html: `<b>${PM.esc(u.real_name)}</b> <span class="hint">@${PM.esc(u.name)} · ${PM.esc(u.tz)}</span>` }));
    } else {
      const command = s.ws.commands.find((c) => text.startsWith(`${c.command} `));
      if (command) box.append(h("div", { class: "usage", html: `<b>${PM.esc(command.command)}</b> ${PM.esc(command.usage_hint)}` }));
    }
    items.forEach((item, i) => box.append(h("button", {
      type: "button", class: `suggestion${i === 0 ? " selected" : ""}`, html: item.html,
      onclick: () => { textarea.value = item.fill; textarea.focus(); suggestions(textarea, box); },
    })));
    box.classList.toggle("hidden", !box.children.length);
    return items;
  }

  function composer(form, send) {
    const textarea = form.querySelector("textarea");
    const box = form.querySelector(".suggestions");
    let items = [];
    textarea.addEventListener("input", () => (items = suggestions(textarea, box)));
    textarea.addEventListener("keydown", async (e) => {
      if ((e.key === "Tab" || e.key === "Enter") && items.length && !e.shiftKey) {
        const picked = items[0];
        const complete = textarea.value.trim() === picked.fill.trim();
        if (!complete || e.key === "Tab") {
          e.preventDefault();
          textarea.value = picked.fill;
          items = suggestions(textarea, box);
          return;
        }
      }
      if (e.key === "Enter" && !e.shiftKey) {
        e.preventDefault();
        const text = textarea.value;
        if (!text.trim()) return;
        textarea.value = "";
        items = suggestions(textarea, box);
        await send(text);
        await PM.refresh();
      }
    });
  }

  PM.setUpComposers = function () {
    composer(document.getElementById("composer"), (text) => PM.api("/api/send", { user: S().me, channel: S().channel, text }));
    composer(document.getElementById("thread-composer"), (text) =>
      PM.api("/api/send", { user: S().me, channel: S().channel, text, thread_ts: S().thread }));
    document.getElementById("thread-close").onclick = () => { S().thread = null; PM.refresh(); };
  };
})();
