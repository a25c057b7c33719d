/* The sandbox page: who you are, the sidebar, the sandbox clock, and keeping up with the server's events.
 * Conversations, threads and the composer are in conversation.js; modals and the Home tab in surfaces.js. */
(function () {
  "use strict";
  const PM = window.PM;
  const h = PM.h;

  const S = (PM.S = {
    ws: null, me: null, channel: null, thread: null, tab: "messages", snap: null,
    users: {}, channels: {}, seen: {}, loadedAt: 0, clock: { base: 0, at: 0 }, advancing: false,
  });

  PM.api = async function (path, body) {
    const response = await fetch(path, body === undefined ? {} : {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({ ok: false, error: `HTTP ${response.status}` }));
    if (!response.ok) PM.toast(`${path}: ${data.error || response.status}`);
    return data;
  };

  PM.toast = function (text) {
    const t = h("div", { class: "toast", text });
    document.body.append(t);
    setTimeout(() => t.remove(), 4000);
  };

  PM.me = () => S.users[S.me];
  PM.now = () => new Date(S.clock.base + (performance.now() - S.clock.at));
  PM.ctx = () => ({ users: S.users, channels: S.channels, me: S.me, tz: PM.me().tz, now: PM.now() });

  PM.timeOf = function (ts, withDay) {
    const p = PM.zoned(new Date(Number(ts) * 1000), PM.me().tz);
    const time = `${p.hour}:${p.minute} ${p.ampm}`;
    return withDay ? `${PM.dayLabel(ts)} at ${time}` : time;
  };

  PM.dayLabel = function (ts) {
    const tz = PM.me().tz;
    const p = PM.zoned(new Date(Number(ts) * 1000), tz), n = PM.zoned(PM.now(), tz);
    const diff = PM.dayNumber(p) - PM.dayNumber(n);
    if (diff === 0) return "Today";
    if (diff === -1) return "Yesterday";
    return `${p.weekday}, ${PM.MONTHS[p.month - 1]} ${PM.ordinal(p.day)}`;
  };

  function city(tz) {
    return tz.split("/").pop().replace(/_/g, " ");
  }

  // ---- refreshing

  let pending = null, again = false;
  PM.refresh = async function () {
    if (pending) {
      again = true;
      return pending;
    }
    pending = (async () => {
      do {
        again = false;
        const q = new URLSearchParams({ user: S.me, channel: S.channel || "", thread: S.thread || "", home: S.tab === "home" ? "1" : "" });
        const snap = await PM.api(`/api/snapshot?${q}`);
        if (snap && snap.sidebar) draw(snap);
      } while (again);
    })();
    try {
      await pending;
    } finally {
      pending = null;
    }
  };

  function draw(snap) {
    S.snap = snap;
    S.clock = { base: Date.parse(snap.now), at: performance.now() };
    if (!S.loadedAt) S.loadedAt = Date.parse(snap.now) / 1000;
    drawSidebar(snap.sidebar);
    drawClock();
    PM.drawMain(snap);
    PM.drawThread(snap);
    PM.drawModal(snap.modal);
    document.body.dataset.version = snap.version;
  }

  function listen() {
    const source = new EventSource("/events");
    source.onmessage = (e) => {
      const { version } = JSON.parse(e.data);
      if (!S.snap || version !== S.snap.version) PM.refresh();
    };
    source.onopen = () => document.body.classList.remove("offline");
    source.onerror = () => document.body.classList.add("offline");
  }

  // ---- sidebar

  function seen(channel) {
    const mine = (S.seen[S.me] = S.seen[S.me] || {});
    return mine[channel] || S.loadedAt;
  }

  function drawSidebar(items) {
    const open = items.find((c) => c.id === S.channel);
    if (open) {
      const mine = (S.seen[S.me] = S.seen[S.me] || {});
      mine[open.id] = Math.max(seen(open.id), ...open.recent.map(Number), PM.now().getTime() / 1000);
    }
    const section = (title, list) => h("div", { class: "side-section" },
      h("div", { class: "side-title", text: title }),
      list.map((c) => {
        const unread = c.recent.filter((ts) => Number(ts) > seen(c.id)).length;
        const active = c.id === S.channel;
        return h("button", {
          type: "button", class: `side-item${active ? " active" : ""}${unread ? " unread" : ""}`, "data-channel": c.id,
          onclick: () => PM.open(c.id),
        }, h("span", { class: "side-icon", text: c.kind === "im" ? "●" : c.private ? "🔒" : "#" }),
        h("span", { class: "side-name", text: c.name }),
        unread && c.kind === "im" ? h("span", { class: "badge", text: String(unread) }) : null);
      }));
    const channels = items.filter((c) => c.kind !== "im");
    const apps = items.filter((c) => c.kind === "im");
    document.getElementById("sidebar-list").replaceChildren(section("Channels", channels), section("Apps", apps));
  }

  PM.open = function (channel, tab) {
    S.channel = channel;
    S.thread = null;
    S.tab = tab || "messages";
    history.replaceState(null, "", `?as=${S.me}&channel=${channel}`);
    PM.refresh();
    if (S.tab === "home") PM.api("/api/home", { user: S.me }).then(PM.refresh);
  };

  // ---- who you are, and the clock

  function drawSwitcher() {
    const select = document.getElementById("you-are");
    select.replaceChildren(...S.ws.users.map((u) => h("option", { value: u.id, text: `${u.real_name} · ${city(u.tz)}` })));
    select.value = S.me;
    select.onchange = () => {
      S.me = select.value;
      localStorage.setItem("pmbot-sandbox-me", S.me);
      PM.resetModal();
      PM.open(S.channel && S.snap.sidebar.some((c) => c.id === S.channel && c.kind !== "im") ? S.channel : S.ws.channels[0].id);
    };
  }

  function drawClock() {
    const tz = PM.me().tz;
    const p = PM.zoned(PM.now(), tz);
    const day = PM.zoned(PM.now(), tz).weekday.slice(0, 3);
    document.getElementById("clock-time").textContent =
      `${day} ${PM.MONTHS[p.month - 1].slice(0, 3)} ${p.day}, ${p.hour}:${p.minute} ${p.ampm}`;
    document.getElementById("clock-zone").textContent = `${city(tz)} time`;
    document.getElementById("clock-utc").textContent = `${PM.now().toISOString().slice(0, 16).replace("T", " ")} UTC`;
  }

  async function advance(step) {
    if (S.advancing) return;
    S.advancing = true;
    document.body.classList.add("advancing");
    document.getElementById("clock-status").textContent = "Running the scheduled work…";
    document.querySelectorAll(".clock-btn").forEach((b) => (b.disabled = true));
    try {
      const answer = await PM.api("/api/clock", { user: S.me, step });
      document.getElementById("clock-status").textContent = answer.ok
        ? `Ran the scheduled work ${answer.runs}× on the way: ${answer.sent} sent.`
        : "";
    } finally {
      S.advancing = false;
      document.body.classList.remove("advancing");
      document.querySelectorAll(".clock-btn").forEach((b) => (b.disabled = false));
      await PM.refresh();
    }
  }

  // ---- start

  async function start() {
    S.ws = await PM.api("/api/workspace");
    for (const u of S.ws.users) S.users[u.id] = u;
    S.users[S.ws.bot.id] = { id: S.ws.bot.id, name: "pmbot", real_name: "pmbot", tz: "UTC", bot: true };
    for (const c of S.ws.channels) S.channels[c.id] = c;
    const params = new URLSearchParams(location.search);
    const wanted = params.get("as") || localStorage.getItem("pmbot-sandbox-me");
    const berlinLead = S.ws.users.find((u) => u.tz === "Europe/Berlin");
    S.me = S.users[wanted] ? wanted : (berlinLead || S.ws.users[0]).id;
    S.channel = params.get("channel") || (S.ws.channels[0] || {}).id || `D${S.me}`;
    drawSwitcher();
    document.getElementById("clock-hour").onclick = () => advance("hour");
    document.getElementById("clock-day").onclick = () => advance("day");
    document.getElementById("clock-0900").onclick = () => advance("next0900");
    PM.setUpComposers();
    await PM.refresh();
    listen();
    setInterval(drawClock, 1000);
    document.body.classList.add("ready");
  }

  window.addEventListener("DOMContentLoaded", start);
})();
