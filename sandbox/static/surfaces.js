/* Modals (views.open / push / update, with the app's field errors) and the App Home tab (views.publish). */
(function () {
  "use strict";
  const PM = window.PM;
  const h = PM.h;
  const S = () => PM.S;
  let shown = { id: null, hash: null, errors: "" };
  let values = {}; // view id -> block_id -> action_id -> state, kept while the modal stack is open
  let homeValues = {};

  PM.resetModal = function () {
    shown = { id: null, hash: null, errors: "" };
    values = {};
    document.getElementById("modal-layer").replaceChildren();
  };

  function stateOf(view) {
    const mine = values[view.id] || {};
    const out = {};
    for (const block of view.blocks || []) {
      const id = block.block_id;
      if (id && mine[id]) {
        for (const [action, state] of Object.entries(mine[id])) {
          if (state) (out[id] = out[id] || {})[action] = state;
        }
      }
    }
    return out;
  }

  async function submit(view, button) {
    button.disabled = true;
    try {
      await PM.api("/api/submit", { user: S().me, view_id: view.id, values: stateOf(view) });
    } finally {
      button.disabled = false;
      await PM.refresh();
    }
  }

  async function close(view, all) {
    await PM.api("/api/close", { user: S().me, view_id: view.id, all });
    await PM.refresh();
  }

  PM.drawModal = function (modal) {
    const layer = document.getElementById("modal-layer");
    if (!modal) {
      if (shown.id) PM.resetModal();
      return;
    }
    const view = modal.view;
    const errors = JSON.stringify(modal.errors || {});
    if (shown.id === view.id && shown.hash === view.hash && shown.errors === errors) return;
    const focused = document.activeElement && layer.contains(document.activeElement) ? document.activeElement.dataset.action : null;
    shown = { id: view.id, hash: view.hash, errors };
    values[view.id] = values[view.id] || {};
    const surface = {
      kind: "modal", ctx: PM.ctx(), values: values[view.id], errors: modal.errors || {},
      users: S().ws.users, channels: S().ws.channels,
      onAction: async (action) => {
        await PM.api("/api/click", { user: S().me, view_id: view.id, action, values: stateOf(view) });
        await PM.refresh();
      },
    };
    const general = (modal.errors || {})[""];
    const submitButton = view.submit
      ? h("button", { type: "button", id: "modal-submit", class: "bk-button primary", html: PM.plain(view.submit) })
      : null;
    if (submitButton) submitButton.onclick = () => submit(view, submitButton);
    const dialog = h("div", { class: "dialog modal", role: "dialog", "data-view": view.id, "data-callback": view.callback_id || "" },
      h("div", { class: "dialog-head" },
        h("span", { class: "app-icon", text: "pm" }),
        h("span", { class: "dialog-title", id: "modal-title", html: PM.plain(view.title) }),
        h("button", { type: "button", class: "icon-btn close-x", title: "Close", text: "✕", onclick: () => close(view, true) })),
      h("div", { class: "dialog-body" },
        general ? h("div", { class: "modal-error", text: general }) : null,
        PM.renderBlocks(view.blocks, surface)),
      h("div", { class: "dialog-foot" },
        h("button", { type: "button", id: "modal-close", class: "bk-button", html: PM.plain(view.close || { text: modal.depth > 1 ? "Back" : "Cancel" }),
          onclick: () => close(view, false) }),
        submitButton));
    layer.replaceChildren(h("div", { class: "overlay" }, dialog));
    const again = focused && layer.querySelector(`[data-action="${CSS.escape(focused)}"]`);
    if (again && again.focus) again.focus();
    const firstError = layer.querySelector(".has-error");
    if (firstError) firstError.scrollIntoView({ block: "nearest" });
  };

  PM.drawHome = function (view) {
    if (!view) {
      return h("div", { class: "home-empty" }, h("div", { class: "home-empty-title", text: "pmbot's Home" }),
        h("div", { text: "Opening the Home tab asks pmbot for it (app_home_opened)…" }));
    }
    homeValues[view.id] = homeValues[view.id] || {};
    const surface = {
      kind: "home", ctx: PM.ctx(), values: homeValues[view.id], errors: {},
      users: S().ws.users, channels: S().ws.channels,
      onAction: async (action) => {
        await PM.api("/api/click", { user: S().me, view_id: view.id, action, values: homeValues[view.id] });
        await PM.refresh();
      },
    };
    return h("div", { class: "home", "data-view": view.id }, PM.renderBlocks(view.blocks, surface));
  };
})();
