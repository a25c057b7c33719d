/* Slack's mrkdwn and date tokens, rendered as Slack's client renders them.
 *
 * Text from Slack arrives with &, < and > escaped (&amp; &lt; &gt;); a raw < only ever opens a token:
 * <@U123> <#C123|name> <!here> <!date^1700000000^{date_short_pretty} {time}|fallback> <https://x|label>.
 * So escaped text such as &lt;!channel&gt; is shown literally as <!channel>, never as a mention.
 */
(function () {
  "use strict";
  const PM = (window.PM = window.PM || {});

  const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December"];
  const EMOJI = {
    white_check_mark: "✅", heavy_check_mark: "✔️", warning: "⚠️", red_circle: "🔴", tada: "🎉",
    construction: "🚧", alarm_clock: "⏰", zzz: "💤", wastebasket: "🗑️", rotating_light: "🚨",
    palm_tree: "🌴", lock: "🔒", large_orange_circle: "🟠", large_green_circle: "🟢", large_yellow_circle: "🟡",
    hourglass: "⌛", hourglass_flowing_sand: "⏳", x: "❌", wave: "👋", sunrise: "🌅", spiral_note_pad: "🗒️",
    spiral_calendar_pad: "🗓️", calendar: "📆", mag: "🔍", eyes: "👀", double_vertical_bar: "⏸️",
    beach_with_umbrella: "🏖️", ballot_box_with_check: "☑️", arrows_counterclockwise: "🔄", arrow_forward: "▶️",
    thumbsup: "👍", "+1": "👍", thumbsdown: "👎", memo: "📝", pushpin: "📌", bulb: "💡", fire: "🔥",
    rocket: "🚀", clipboard: "📋", bell: "🔔", no_entry: "⛔", question: "❓", exclamation: "❗",
    white_circle: "⚪", black_circle: "⚫", large_blue_circle: "🔵", chart_with_upwards_trend: "📈",
    busts_in_silhouette: "👥", bust_in_silhouette: "👤", speech_balloon: "💬", link: "🔗", star: "⭐",
    heavy_plus_sign: "➕", heavy_minus_sign: "➖", point_right: "👉", raised_hands: "🙌", pray: "🙏",
    smile: "😄", slightly_smiling_face: "🙂", sparkles: "✨", stopwatch: "⏱️", date: "📅", clock9: "🕘",
    inbox_tray: "📥", outbox_tray: "📤", package: "📦", bar_chart: "📊", checkered_flag: "🏁", scales: "⚖️",
    mirror: "🪞", sunny: "☀️", hammer_and_wrench: "🛠️", fast_forward: "⏩", vertical_traffic_light: "🚦",
  };

  function esc(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }

  function decode(text) {
    return String(text).replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  }

  function emoji(html) {
    return html.replace(/:([a-z0-9_+\-]+):/g, (m, name) => (EMOJI[name] ? EMOJI[name] : m));
  }

  // ---- dates

  const partsCache = {};
  function zoned(date, tz) {
    const key = tz;
    if (!partsCache[key]) {
      partsCache[key] = new Intl.DateTimeFormat("en-US", {
        timeZone: tz, year: "numeric", month: "numeric", day: "numeric", weekday: "long",
        hour: "numeric", minute: "2-digit", second: "2-digit", hour12: true,
      });
    }
    const out = {};
    for (const p of partsCache[key].formatToParts(date)) out[p.type] = p.value;
    return {
      year: +out.year, month: +out.month, day: +out.day, weekday: out.weekday,
      hour: out.hour === "0" ? "12" : out.hour, minute: out.minute, second: out.second,
      ampm: (out.dayPeriod || "").toUpperCase(),
    };
  }

  function dayNumber(p) {
    return Date.UTC(p.year, p.month - 1, p.day) / 86400000;
  }

  function ordinal(n) {
    const s = ["th", "st", "nd", "rd"], v = n % 100;
    return n + (s[(v - 20) % 10] || s[v] || s[0]);
  }

  function pad(n) {
    return String(n).padStart(2, "0");
  }

  function ago(seconds) {
    const future = seconds < 0, s = Math.abs(seconds);
    const units = [[31536000, "year"], [2592000, "month"], [86400, "day"], [3600, "hour"], [60, "minute"]];
    for (const [size, name] of units) {
      if (s >= size) {
        const n = Math.floor(s / size), word = `${n} ${name}${n === 1 ? "" : "s"}`;
        return future ? `in ${word}` : `${word} ago`;
      }
    }
    return future ? "in a few seconds" : "a few seconds ago";
  }

  /* `format` with Slack's {date_num} {date} {date_short} {date_long} {date_pretty} {date_short_pretty}
   * {date_long_pretty} {time} {time_secs} {ago}, for the instant `unix`, in zone `tz`; "today",
   * "yesterday" and "tomorrow" are relative to `now` (the sandbox clock) in that zone. */
  function formatDate(unix, format, tz, now) {
    const p = zoned(new Date(unix * 1000), tz), n = zoned(now, tz);
    const diff = dayNumber(p) - dayNumber(n);
    const relative = diff === 0 ? "today" : diff === -1 ? "yesterday" : diff === 1 ? "tomorrow" : null;
    const date = `${MONTHS[p.month - 1]} ${ordinal(p.day)}, ${p.year}`;
    const short = `${MONTHS[p.month - 1].slice(0, 3)} ${p.day}, ${p.year}`;
    const long = `${p.weekday}, ${date}`;
    const values = {
      date_num: `${p.year}-${pad(p.month)}-${pad(p.day)}`, date, date_short: short, date_long: long,
      date_pretty: relative || date, date_short_pretty: relative || short, date_long_pretty: relative || long,
      time: `${p.hour}:${p.minute} ${p.ampm}`, time_secs: `${p.hour}:${p.minute}:${p.second} ${p.ampm}`,
      ago: ago(now.getTime() / 1000 - unix),
    };
    return format.replace(/\{(\w+)\}/g, (m, key) => (key in values ? values[key] : m));
  }

  // ---- tokens

  function token(inner, ctx) {
    const bar = inner.indexOf("|");
    const head = bar < 0 ? inner : inner.slice(0, bar);
    const label = bar < 0 ? null : inner.slice(bar + 1);
    if (head[0] === "@") {
      const user = ctx.users[head.slice(1)];
      const name = user ? user.name : label || head.slice(1);
      const me = user && user.id === ctx.me ? " mention-me" : "";
      return `<span class="mention${me}" data-user="${esc(head.slice(1))}">@${esc(name)}</span>`;
    }
    if (head[0] === "#") {
      const channel = ctx.channels[head.slice(1)];
      return `<span class="mention channel">#${esc(channel ? channel.name : label || head.slice(1))}</span>`;
    }
    if (head[0] === "!") {
      const [kind, ...rest] = head.slice(1).split("^");
      if (kind === "date" && rest.length >= 2) {
        const unix = Number(rest[0]);
        if (!Number.isFinite(unix)) return esc(decode(label || ""));
        const text = esc(formatDate(unix, decode(rest[1]), ctx.tz, ctx.now));
        return rest[2] ? `<a href="${esc(decode(rest[2]))}" target="_blank" rel="noopener">${text}</a>` : text;
      }
      if (["here", "channel", "everyone"].includes(kind)) return `<span class="mention broadcast">@${kind}</span>`;
      if (kind === "subteam") return `<span class="mention">${esc(decode(label || "@team"))}</span>`;
      return esc(decode(label || ""));
    }
    const url = decode(head);
    const text = label === null ? esc(url) : emoji(esc(decode(label)));
    if (!/^(https?:|mailto:)/i.test(url)) return text;
    return `<a href="${esc(url)}" target="_blank" rel="noopener">${text}</a>`;
  }

  // ---- inline and block formatting

  function inline(text, ctx) {
    const saved = [];
    const keep = (html) => `\u0000${saved.push(html) - 1}\u0000`;
    let out = text.replace(/`([^`\n]+)`/g, (m, code) => keep(`<code>${esc(decode(code))}</code>`));
    out = out.replace(/<([^<>\n]+)>/g, (m, inner) => keep(token(inner, ctx)));
    out = esc(decode(out));
    const wrap = (re, tag) => {
      out = out.replace(re, (m, before, body) => `${before}<${tag}>${body}</${tag}>`);
    };
    wrap(/(^|[^\w*])\*(?!\s)([^*\n]*?[^\s*])\*(?!\w)/g, "b");
    wrap(/(^|[^\w_])_(?!\s)([^_\n]*?[^\s_])_(?!\w)/g, "i");
    wrap(/(^|[^\w~])~(?!\s)([^~\n]*?[^\s~])~(?!\w)/g, "s");
    out = emoji(out);
    return out.replace(/\u0000(\d+)\u0000/g, (m, i) => saved[+i]);
  }

  /* mrkdwn text as HTML; ctx = {users, channels, me, tz, now}. */
  function mrkdwn(text, ctx) {
    const pieces = String(text || "").split(/```/);
    return pieces
      .map((piece, i) => {
        if (i % 2 === 1) return `<pre class="pre">${esc(decode(piece.replace(/^\n/, "")))}</pre>`;
        const lines = piece.split("\n");
        const html = [];
        let quote = [];
        const flush = () => {
          if (quote.length) html.push(`<blockquote>${quote.join("<br>")}</blockquote>`);
          quote = [];
        };
        lines.forEach((line, n) => {
          const q = line.match(/^(?:&gt;|>)\s?(.*)$/);
          if (q) {
            quote.push(inline(q[1], ctx));
            return;
          }
          flush();
          html.push(inline(line, ctx) + (n < lines.length - 1 ? "<br>" : ""));
        });
        flush();
        return html.join("");
      })
      .join("");
  }

  /* plain_text objects: shown as typed, with :emoji: if asked. */
  function plain(obj) {
    const html = esc(obj && typeof obj === "object" ? obj.text || "" : obj || "");
    return obj && obj.emoji === false ? html : emoji(html);
  }

  function textObject(obj, ctx) {
    if (!obj) return "";
    return obj.type === "mrkdwn" ? mrkdwn(obj.text, ctx) : plain(obj);
  }

  PM.esc = esc;
  PM.decode = decode;
  PM.emoji = emoji;
  PM.zoned = zoned;
  PM.dayNumber = dayNumber;
  PM.ordinal = ordinal;
  PM.MONTHS = MONTHS;
  PM.formatDate = formatDate;
  PM.mrkdwn = mrkdwn;
  PM.plain = plain;
  PM.textObject = textObject;
})();
