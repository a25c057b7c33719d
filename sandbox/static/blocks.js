/* Block Kit, drawn the way Slack draws it, with the element state Slack keeps (view.state.values shapes).
 *
 * PM.renderBlocks(blocks, surface) -> Element, where surface = {kind: "message"|"modal"|"home", ctx (mrkdwn),
 * values (block_id -> action_id -> state, kept by the caller), errors (block_id -> text), users, channels,
 * onAction(action)}. A stateful element writes {type, selected_...|value} into values; outside a modal's
 * input blocks (or with dispatch_action) a change also calls onAction with Slack's block_actions action.
 */
(function () {
  "use strict";
  const PM = (window.PM = window.PM || {});

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "html") el.innerHTML = v;
      else if (k === "text") el.textContent = v;
      else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? "" : v);
    }
    for (const child of children.flat()) {
      if (child !== null && child !== undefined) el.append(child);
    }
    return el;
  }
  PM.h = h;

  const FIELD = {
    plain_text_input: "value", number_input: "value", email_text_input: "value", url_text_input: "value",
    static_select: "selected_option", external_select: "selected_option", radio_buttons: "selected_option",
    overflow: "selected_option", multi_static_select: "selected_options", checkboxes: "selected_options",
    users_select: "selected_user", multi_users_select: "selected_users",
    conversations_select: "selected_conversation", multi_conversations_select: "selected_conversations",
    channels_select: "selected_channel", multi_channels_select: "selected_channels",
    datepicker: "selected_date", timepicker: "selected_time", datetimepicker: "selected_date_time",
  };
  const INITIAL = {
    value: "initial_value", selected_option: "initial_option", selected_options: "initial_options",
    selected_user: "initial_user", selected_users: "initial_users", selected_conversation: "initial_conversation",
    selected_conversations: "initial_conversations", selected_channel: "initial_channel",
    selected_channels: "initial_channels", selected_date: "initial_date", selected_time: "initial_time",
    selected_date_time: "initial_date_time",
  };
  const MANY = new Set(["selected_options", "selected_users", "selected_conversations", "selected_channels"]);

  function initialState(el) {
    const field = FIELD[el.type];
    if (!field || el.type === "overflow") return null;
    let value = el[INITIAL[field]];
    if (value === undefined || value === "") value = MANY.has(field) ? [] : null;
    if (el.type === "number_input" && value !== null) value = String(value);
    return { type: el.type, [field]: value };
  }

  let auto = 0;
  function ids(block, el, index) {
    if (!block.block_id) block.block_id = `auto${index}`;
    if (el && !el.action_id) el.action_id = `auto-${block.block_id}-${++auto}`;
  }

  // ---- elements

  function optionsOf(el) {
    if (el.option_groups) return el.option_groups.flatMap((g) => g.options || []);
    return el.options || [];
  }

  function optionText(option) {
    return option && option.text ? option.text.text : "";
  }

  function change(surface, block, el, inInput, state) {
    const values = (surface.values[block.block_id] = surface.values[block.block_id] || {});
    values[el.action_id] = state;
    const dispatch = !inInput || el.dispatch_action_config || block.dispatch_action;
    if (dispatch) {
      const { type, ...fields } = state;
      const action = { type, action_id: el.action_id, block_id: block.block_id, ...fields };
      if (el.placeholder) action.placeholder = el.placeholder;
      surface.onAction(action, el);
    }
  }

  function button(el, block, surface) {
    const style = el.style ? ` ${el.style}` : "";
    return h("button", {
      class: `bk-button${style}`, type: "button", "data-action": el.action_id,
      html: PM.plain(el.text),
      onclick: async () => {
        if (el.confirm && !(await PM.confirm(el.confirm, surface.ctx))) return;
        if (el.url) window.open(el.url, "_blank", "noopener");
        const action = { type: "button", action_id: el.action_id, block_id: block.block_id, text: el.text };
        if (el.value !== undefined) action.value = el.value;
        if (el.style) action.style = el.style;
        surface.onAction(action, el);
      },
    });
  }

  function select(el, block, surface, inInput, state) {
    const field = FIELD[el.type];
    const current = state ? state[field] : null;
    const placeholder = el.placeholder ? el.placeholder.text : "Select an item";
    const sel = h("select", { class: "bk-select", "data-action": el.action_id }, h("option", { value: "" , text: placeholder }));
    let choices;
    if (el.type === "users_select") {
      choices = surface.users.map((u) => [u.id, u.real_name]);
    } else if (el.type === "conversations_select" || el.type === "channels_select") {
      choices = surface.channels.map((c) => [c.id, `#${c.name}`]);
    } else if (el.option_groups) {
      for (const group of el.option_groups) {
        const og = h("optgroup", { label: group.label.text });
        for (const o of group.options) og.append(h("option", { value: o.value, text: optionText(o) }));
        sel.append(og);
      }
      choices = [];
    } else {
      choices = optionsOf(el).map((o) => [o.value, optionText(o)]);
    }
    for (const [value, label] of choices) sel.append(h("option", { value, text: label }));
    sel.value = current && typeof current === "object" ? current.value : current || "";
    if (!sel.value) sel.classList.add("placeholder");
    sel.addEventListener("change", () => {
      const value = sel.value || null;
      sel.classList.toggle("placeholder", !value);
      const picked = el.type.endsWith("users_select") || field === "selected_conversation" || field === "selected_channel"
        ? value
        : optionsOf(el).find((o) => o.value === value) || null;
      change(surface, block, el, inInput, { type: el.type, [field]: picked });
    });
    return sel;
  }

  function multiSelect(el, block, surface, inInput, state) {
    const field = FIELD[el.type];
    const people = el.type === "multi_users_select";
    const all = people
      ? surface.users.map((u) => ({ value: u.id, label: u.real_name }))
      : el.type === "multi_static_select"
        ? optionsOf(el).map((o) => ({ value: o.value, label: optionText(o), option: o }))
        : surface.channels.map((c) => ({ value: c.id, label: `#${c.name}` }));
    let chosen = (state && state[field]) || [];
    const box = h("div", { class: "bk-multi", "data-action": el.action_id });
    const draw = () => {
      box.replaceChildren();
      const keys = chosen.map((c) => (typeof c === "object" ? c.value : c));
      for (const item of all.filter((a) => keys.includes(a.value))) {
        box.append(h("span", { class: "chip", "data-value": item.value }, item.label,
          h("button", { type: "button", class: "chip-x", title: "Remove", text: "×",
            onclick: () => update(keys.filter((k) => k !== item.value)) })));
      }
      const add = h("select", { class: "bk-select add" },
        h("option", { value: "", text: el.placeholder ? el.placeholder.text : "Add…" }),
        all.filter((a) => !keys.includes(a.value)).map((a) => h("option", { value: a.value, text: a.label })));
      add.addEventListener("change", () => add.value && update([...keys, add.value]));
      box.append(add);
    };
    const update = (keys) => {
      chosen = people || field !== "selected_options" ? keys : keys.map((k) => all.find((a) => a.value === k).option);
      draw();
      change(surface, block, el, inInput, { type: el.type, [field]: chosen });
    };
    draw();
    return box;
  }

  function overflow(el, block, surface) {
    const menu = h("div", { class: "menu hidden" });
    for (const o of el.options || []) {
      menu.append(h("button", { type: "button", class: "menu-item", html: PM.plain(o.text),
        onclick: async () => {
          menu.classList.add("hidden");
          if (el.confirm && !(await PM.confirm(el.confirm, surface.ctx))) return;
          surface.onAction({ type: "overflow", action_id: el.action_id, block_id: block.block_id, selected_option: o }, el);
        } }));
    }
    const toggle = h("button", { type: "button", class: "bk-overflow", title: "More", text: "⋮",
      onclick: (e) => { e.stopPropagation(); PM.closeMenus(menu); menu.classList.toggle("hidden"); } });
    return h("span", { class: "menu-anchor" }, toggle, menu);
  }

  function choiceList(el, block, surface, inInput, state) {
    const radio = el.type === "radio_buttons";
    const field = FIELD[el.type];
    const name = `${block.block_id}-${el.action_id}-${Math.random().toString(36).slice(2, 7)}`;
    const current = state ? state[field] : null;
    const picked = (o) => (radio ? current && current.value === o.value : (current || []).some((c) => c.value === o.value));
    const list = h("div", { class: "bk-choices", "data-action": el.action_id });
    for (const o of el.options || []) {
      const input = h("input", { type: radio ? "radio" : "checkbox", name, value: o.value, checked: picked(o) });
      input.addEventListener("change", () => {
        const checked = [...list.querySelectorAll("input")].filter((i) => i.checked).map((i) => i.value);
        const options = (el.options || []).filter((x) => checked.includes(x.value));
        change(surface, block, el, inInput, { type: el.type, [field]: radio ? options[0] || null : options });
      });
      list.append(h("label", { class: "choice" }, input,
        h("span", {}, h("span", { html: PM.textObject(o.text, surface.ctx) }),
          o.description ? h("span", { class: "choice-desc", html: PM.textObject(o.description, surface.ctx) }) : null)));
    }
    return list;
  }

  function textInput(el, block, surface, inInput, state) {
    const multiline = el.type === "plain_text_input" && el.multiline;
    const kind = { number_input: "number", email_text_input: "email", url_text_input: "url" }[el.type] || "text";
    const input = h(multiline ? "textarea" : "input", {
      class: "bk-input", type: multiline ? null : kind, "data-action": el.action_id,
      placeholder: el.placeholder ? el.placeholder.text : null, maxlength: el.max_length || null,
      rows: multiline ? 4 : null,
    });
    input.value = state && state.value !== null ? state.value : "";
    input.addEventListener("input", () => {
      const values = (surface.values[block.block_id] = surface.values[block.block_id] || {});
      values[el.action_id] = { type: el.type, value: input.value === "" ? null : input.value };
    });
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !multiline && (block.dispatch_action || !inInput)) {
        e.preventDefault();
        change(surface, block, el, inInput, { type: el.type, value: input.value || null });
      }
    });
    return input;
  }

  function picker(el, block, surface, inInput, state) {
    const field = FIELD[el.type];
    const type = { datepicker: "date", timepicker: "time", datetimepicker: "datetime-local" }[el.type];
    const input = h("input", { class: "bk-input picker", type, "data-action": el.action_id });
    const current = state ? state[field] : null;
    if (current !== null && current !== undefined) {
      input.value = el.type === "datetimepicker" ? new Date(current * 1000).toISOString().slice(0, 16) : current;
    }
    input.addEventListener("change", () => {
      let value = input.value || null;
      if (value && el.type === "datetimepicker") value = Math.floor(new Date(value + "Z").getTime() / 1000);
      const next = { type: el.type, [field]: value };
      if (el.type === "timepicker" && el.timezone) next.timezone = el.timezone;
      change(surface, block, el, inInput, next);
    });
    return input;
  }

  function element(el, block, surface, inInput, index) {
    ids(block, el, index);
    const values = (surface.values[block.block_id] = surface.values[block.block_id] || {});
    if (!(el.action_id in values) && FIELD[el.type] && el.type !== "overflow") values[el.action_id] = initialState(el);
    const state = values[el.action_id];
    switch (el.type) {
      case "button": return button(el, block, surface);
      case "static_select": case "external_select": case "users_select":
      case "conversations_select": case "channels_select":
        return select(el, block, surface, inInput, state);
      case "multi_static_select": case "multi_users_select": case "multi_conversations_select":
      case "multi_channels_select":
        return multiSelect(el, block, surface, inInput, state);
      case "overflow": return overflow(el, block, surface);
      case "checkboxes": case "radio_buttons": return choiceList(el, block, surface, inInput, state);
      case "plain_text_input": case "number_input": case "email_text_input": case "url_text_input":
        return textInput(el, block, surface, inInput, state);
      case "datepicker": case "timepicker": case "datetimepicker":
        return picker(el, block, surface, inInput, state);
      case "image": return h("img", { class: "bk-thumb", src: el.image_url, alt: el.alt_text || "" });
      default: return h("span", { class: "bk-unknown", text: `[${el.type}]` });
    }
  }

  // ---- blocks

  function richText(elements, ctx) {
    const inline = (e) => {
      const style = e.style || {};
      let html;
      if (e.type === "text") html = PM.emoji(PM.esc(e.text));
      else if (e.type === "link") html = `<a href="${PM.esc(e.url)}" target="_blank" rel="noopener">${PM.esc(e.text || e.url)}</a>`;
      else if (e.type === "user") html = PM.mrkdwn(`<@${e.user_id}>`, ctx);
      else if (e.type === "channel") html = PM.mrkdwn(`<#${e.channel_id}>`, ctx);
      else if (e.type === "emoji") html = PM.emoji(`:${e.name}:`);
      else if (e.type === "broadcast") html = PM.mrkdwn(`<!${e.range}>`, ctx);
      else if (e.type === "date") html = PM.esc(PM.formatDate(e.timestamp, e.format, ctx.tz, ctx.now));
      else html = "";
      if (style.code) html = `<code>${html}</code>`;
      if (style.bold) html = `<b>${html}</b>`;
      if (style.italic) html = `<i>${html}</i>`;
      if (style.strike) html = `<s>${html}</s>`;
      return html;
    };
    const section = (s) => {
      const inner = (s.elements || []).map(inline).join("").replace(/\n/g, "<br>");
      if (s.type === "rich_text_quote") return `<blockquote>${inner}</blockquote>`;
      if (s.type === "rich_text_preformatted") return `<pre class="pre">${inner}</pre>`;
      if (s.type === "rich_text_list") {
        const tag = s.style === "ordered" ? "ol" : "ul";
        return `<${tag}>${(s.elements || []).map((x) => `<li>${section(x)}</li>`).join("")}</${tag}>`;
      }
      return `<div>${inner}</div>`;
    };
    return elements.map(section).join("");
  }

  function block(b, surface, index) {
    const ctx = surface.ctx;
    const error = surface.errors && b.block_id ? surface.errors[b.block_id] : null;
    switch (b.type) {
      case "header": return h("div", { class: "bk-header", html: PM.plain(b.text) });
      case "divider": return h("hr", { class: "bk-divider" });
      case "section": {
        ids(b, null, index);
        const body = h("div", { class: "bk-section-body" });
        if (b.text) body.append(h("div", { class: "bk-text", html: PM.textObject(b.text, ctx) }));
        if (b.fields) {
          body.append(h("div", { class: "bk-fields" }, b.fields.map((f) => h("div", { class: "bk-field", html: PM.textObject(f, ctx) }))));
        }
        const accessory = b.accessory ? h("div", { class: "bk-accessory" }, element(b.accessory, b, surface, false, index)) : null;
        return h("div", { class: "bk-section" }, body, accessory);
      }
      case "context":
        return h("div", { class: "bk-context" }, (b.elements || []).map((e) =>
          e.type === "image"
            ? h("img", { class: "bk-context-img", src: e.image_url, alt: e.alt_text || "" })
            : h("span", { html: PM.textObject(e, ctx) })));
      case "actions":
        ids(b, null, index);
        return h("div", { class: "bk-actions" }, (b.elements || []).map((e) => element(e, b, surface, false, index)));
      case "image": {
        const img = h("img", { class: "bk-image", src: b.image_url || "", alt: b.alt_text || "" });
        img.addEventListener("error", () => img.replaceWith(h("div", { class: "bk-image-missing", text: `🖼 ${b.alt_text || "image"}` })));
        return h("div", { class: "bk-image-block" }, b.title ? h("div", { class: "bk-image-title", html: PM.plain(b.title) }) : null, img);
      }
      case "rich_text": return h("div", { class: "bk-rich", html: richText(b.elements || [], ctx) });
      case "input": {
        ids(b, b.element, index);
        return h("div", { class: `bk-input-block${error ? " has-error" : ""}`, "data-block": b.block_id },
          h("label", { class: "bk-label" }, h("span", { html: PM.plain(b.label) }),
            b.optional ? h("span", { class: "optional", text: " (optional)" }) : null),
          element(b.element, b, surface, true, index),
          b.hint ? h("div", { class: "bk-hint", html: PM.plain(b.hint) }) : null,
          error ? h("div", { class: "bk-error", text: error }) : null);
      }
      case "markdown": return h("div", { class: "bk-text", html: PM.mrkdwn(b.text, ctx) });
      default: return h("div", { class: "bk-unknown", text: `[${b.type} block]` });
    }
  }

  PM.renderBlocks = function (blocks, surface) {
    const box = h("div", { class: `blocks surface-${surface.kind}` });
    (blocks || []).forEach((b, i) => box.append(block(b, surface, i)));
    return box;
  };

  /* Slack's confirmation dialog for a button or menu item with `confirm`; resolves true or false. */
  PM.confirm = function (c, ctx) {
    return new Promise((resolve) => {
      const done = (answer) => { layer.remove(); resolve(answer); };
      const style = c.style === "danger" ? " danger" : " primary";
      const layer = h("div", { class: "overlay confirm-layer" },
        h("div", { class: "dialog confirm" },
          h("div", { class: "dialog-head" }, h("span", { class: "dialog-title", html: PM.plain(c.title || { text: "Are you sure?" }) })),
          h("div", { class: "dialog-body", html: PM.textObject(c.text, ctx) }),
          h("div", { class: "dialog-foot" },
            h("button", { type: "button", class: "bk-button", html: PM.plain(c.deny || { text: "Cancel" }), onclick: () => done(false) }),
            h("button", { type: "button", class: `bk-button${style}`, html: PM.plain(c.confirm || { text: "Yes" }), onclick: () => done(true) }))));
      document.body.append(layer);
    });
  };

  PM.closeMenus = function (except) {
    document.querySelectorAll(".menu").forEach((m) => m !== except && m.classList.add("hidden"));
  };
  document.addEventListener("click", () => PM.closeMenus(null));
})();
