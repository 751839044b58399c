// Parley practice workspace: shows what Parley sent to the person chosen, and sends their clicks back.
// Slack messages arrive as HTML the server rendered (and escaped); Teams cards as card JSON for
// Microsoft's adaptivecards renderer. Nothing here talks to anything but this server.
"use strict";

const $ = (id) => document.getElementById(id);
const shown = {};
let people = [];
let me = sessionStorage.getItem("parley-practice-person") || "";
let busy = false;

function say(text) { $("status").textContent = text || ""; }

async function api(path, body) {
  const options = body === undefined ? {} : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const response = await fetch(`/practice/api/${path}`, options);
  const text = await response.text();
  if (!response.ok) throw new Error(text || `Error ${response.status}`);
  return text ? JSON.parse(text) : {};
}

async function act(what, body, done) {
  if (busy) return;
  busy = true;
  document.body.setAttribute("aria-busy", "true");
  try {
    const answer = await api(what, { person: me, ...body });
    say(answer.message || done || "");
  } catch (error) {
    say(error.message);
  } finally {
    busy = false;
    document.body.removeAttribute("aria-busy");
  }
  await refresh(true);
}

// -- Adaptive Cards ----------------------------------------------------------------------------------

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

function markdown(text) {
  // escaping first, then the little markdown Parley's cards use: **bold**, _italic_, line breaks
  let out = escapeHtml(text);
  out = out.replace(/&lt;at&gt;([^&\n]+?)&lt;\/at&gt;/g, '<span class="mention">@$1</span>'); // a Teams mention
  out = out.replace(/\*\*([^*\n]+?)\*\*/g, "<strong>$1</strong>");
  out = out.replace(/(^|[\s(])_([^_\n]+?)_(?=[\s).,;:!?]|$)/g, "$1<em>$2</em>");
  return out.replace(/\n/g, "<br>");
}

function cardElement(card, activity, conversation) {
  const ac = new AdaptiveCards.AdaptiveCard();
  ac.hostConfig = new AdaptiveCards.HostConfig({ fontFamily: "system-ui, -apple-system, Segoe UI, sans-serif", supportsInteractivity: true, actions: { maxActions: 10, buttonSpacing: 8, actionsOrientation: "horizontal" } });
  ac.onExecuteAction = (action) => {
    const verb = action.verb || (action.data && action.data.verb) || "";
    act("execute", { verb, data: action.data || {}, reply_to: activity, conversation });
  };
  ac.parse(card);
  const element = ac.render();
  const wrap = document.createElement("div");
  wrap.className = "card";
  wrap.appendChild(element);
  return wrap;
}

// -- drawing -------------------------------------------------------------------------------------------

function meta(at) {
  const p = document.createElement("div");
  p.className = "meta";
  p.textContent = at ? `Parley · ${at}` : "Parley";
  return p;
}

function slackMessage(m) {
  const div = document.createElement("div");
  div.className = "msg";
  div.dataset.channel = m.channel;
  div.dataset.ts = m.ts;
  div.appendChild(meta(m.at));
  const body = document.createElement("div");
  body.innerHTML = m.html; // rendered and escaped by the server (handlers/practice/blockkit.py)
  div.appendChild(body);
  return div;
}

function teamsMessage(m) {
  const div = document.createElement("div");
  div.className = m.mine ? "msg mine" : "msg";
  if (m.mine) {
    const bubble = document.createElement("span");
    bubble.className = "bubble";
    bubble.textContent = m.text;
    div.appendChild(bubble);
    return div;
  }
  div.appendChild(meta(m.at));
  if (m.text) {
    const p = document.createElement("p");
    p.textContent = m.text;
    div.appendChild(p);
  }
  for (const card of m.cards) div.appendChild(cardElement(card, m.id, m.conversation));
  return div;
}

function draw(id, data, build) {
  const key = JSON.stringify(data);
  if (shown[id] === key) return;
  shown[id] = key;
  const target = $(id);
  target.replaceChildren(...build(data));
}

function threads(state) {
  const one = state.platform === "slack" ? slackMessage : teamsMessage;
  if (!state.channel.threads.length) {
    const p = document.createElement("p");
    p.textContent = "No disagreement has been raised yet.";
    return [p];
  }
  return state.channel.threads.map((t) => {
    const box = document.createElement("article");
    box.className = "thread";
    box.appendChild(one(t));
    if (t.replies.length) {
      const replies = document.createElement("div");
      replies.className = "replies";
      const h = document.createElement("h3");
      h.textContent = `${t.replies.length} ${t.replies.length === 1 ? "reply" : "replies"} in the thread`;
      replies.appendChild(h);
      for (const r of t.replies) replies.appendChild(one(r));
      box.appendChild(replies);
    }
    return box;
  });
}

function privateNotes(state) {
  const items = [...(state.ephemeral || []).map((m) => ({ html: m.html, at: m.at })), ...state.notices.map((n) => ({ text: n.text, at: n.at }))];
  return items.map((n) => {
    const div = document.createElement("div");
    div.className = "private";
    const label = document.createElement("div");
    label.className = "meta";
    label.textContent = `Only visible to you · ${n.at}`;
    div.appendChild(label);
    const body = document.createElement("div");
    if (n.html !== undefined) body.innerHTML = n.html; else body.textContent = n.text;
    div.appendChild(body);
    return div;
  });
}

function drawModal(modal) {
  const dialog = $("modal");
  const key = JSON.stringify(modal);
  if (shown.modal === key) return;
  shown.modal = key;
  if (!modal) {
    if (dialog.open) dialog.close();
    dialog.replaceChildren();
    return;
  }
  dialog.innerHTML = modal.html; // rendered and escaped by the server
  if (!dialog.open) dialog.showModal();
  const first = dialog.querySelector("input, textarea, select, button[type=submit]");
  if (first) first.focus();
}

function render(state) {
  $("clock").textContent = state.clock;
  $("procedure").textContent = state.policy_title;
  const slack = state.person.platform === "slack";
  const platform = $("platform");
  platform.textContent = slack ? "on Slack" : "on Teams";
  platform.className = `platform ${state.person.platform}`;
  $("channel-title").textContent = slack ? `Slack channel ${state.channel.name}` : `Teams channel ${state.channel.name}`;
  $("direct-title").textContent = slack ? "Direct messages from Parley (Slack)" : "Your 1:1 chat with Parley (Teams)";
  $("say-label").textContent = slack ? "Message Parley (Slack: type /disagree)" : "Message Parley (Teams: type disagree)";
  // each part is drawn again only when it changed, so a half-filled card elsewhere keeps what was typed
  draw("channel", { platform: state.person.platform, channel: state.channel }, threads);
  draw("direct", { platform: state.person.platform, direct: state.direct }, (d) => d.direct.map(slack ? slackMessage : teamsMessage));
  draw("private", { ephemeral: state.ephemeral, notices: state.notices }, privateNotes);
  drawModal(state.modal || null);
  $("main").dataset.person = state.person.id; // whose view this is (the browser test waits for it)
}

async function refresh(force) {
  if (!me || (busy && !force)) return;
  const who = me;
  try {
    const state = await api(`view?person=${encodeURIComponent(who)}`);
    if (who === me) render(state); // an answer for someone chosen before is dropped
  } catch (error) {
    say(error.message);
  }
}

// -- Slack forms ---------------------------------------------------------------------------------------

function answersOf(form) {
  const answers = {};
  for (const block of form.querySelectorAll(".sk-input")) {
    const field = block.dataset.block;
    const kind = block.dataset.kind;
    if (kind === "radio_buttons") {
      const checked = block.querySelector("input[type=radio]:checked");
      answers[field] = checked ? checked.value : null;
    } else if (kind === "external_select") {
      const select = block.querySelector("select");
      const option = select.selectedOptions[0];
      answers[field] = select.value ? { value: select.value, text: option.textContent } : null;
    } else {
      const input = block.querySelector("input, textarea, select");
      answers[field] = input ? input.value : null;
    }
  }
  return answers;
}

let searching = 0;
async function suggest(input) {
  const box = input.closest(".sk-external");
  const select = box.querySelector("select");
  const query = input.value.trim();
  if (query.length < Number(box.dataset.min || 1)) return;
  const mine = ++searching;
  try {
    const answer = await api("suggest", { person: me, block_id: box.dataset.field, query, answers: answersOf(input.form) });
    if (mine !== searching) return;
    const options = answer.options.map((o) => new Option(o.text, o.value));
    select.replaceChildren(new Option(options.length ? `${options.length} found: choose` : "Nobody found", ""), ...options);
    if (options.length === 1) select.value = options[0].value;
  } catch (error) {
    say(error.message);
  }
}

// -- wiring --------------------------------------------------------------------------------------------

function choosePerson(id) {
  me = id;
  sessionStorage.setItem("parley-practice-person", id);
  for (const key of Object.keys(shown)) delete shown[key];
  say("");
  refresh(true);
}

async function loadPeople(keep) {
  const answer = await api("people");
  people = answer.people;
  const who = $("who");
  const groups = {};
  for (const p of people) (groups[p.agency] = groups[p.agency] || []).push(p);
  who.replaceChildren(...Object.entries(groups).map(([agency, list]) => {
    const group = document.createElement("optgroup");
    group.label = agency;
    for (const p of list) group.appendChild(new Option(`${p.name}${p.role ? `, ${p.role}` : ""} (${p.platform === "slack" ? "Slack" : "Teams"})`, p.id));
    return group;
  }));
  $("preset").replaceChildren(...answer.presets.map((name) => new Option(name, name)));
  $("preset").value = answer.policy;
  if (!keep || !people.some((p) => p.id === me)) me = people[0].id;
  who.value = me;
  choosePerson(me);
}

async function restart(policy, done) {
  say("Starting a fresh practice…");
  try {
    await api("reset", { policy });
    await loadPeople(true);
    say(done);
  } catch (error) {
    say(error.message);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("who").addEventListener("change", (e) => choosePerson(e.target.value));
  $("move-clock").addEventListener("click", () => act("clock", { move: $("move").value, days: $("days").value }));
  $("fresh").addEventListener("click", () => restart($("preset").value, `A fresh practice on ${$("preset").value} has started.`));
  $("reset").addEventListener("click", () => {
    if (window.confirm("Reset the practice? Every practice disagreement is deleted.")) restart(undefined, "The practice was reset.");
  });
  $("composer").addEventListener("submit", (e) => {
    e.preventDefault();
    const text = $("say").value.trim();
    if (!text) return;
    $("say").value = "";
    act("say", { text });
  });
  document.addEventListener("click", (e) => {
    const button = e.target.closest("button[data-action-id]");
    if (button) {
      if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) return;
      const message = button.closest("[data-ts]");
      act("click", { action_id: button.dataset.actionId, value: button.dataset.value, channel: message.dataset.channel, ts: message.dataset.ts });
    }
    if (e.target.closest("button[data-close]")) act("close", {});
  });
  const dialog = $("modal");
  dialog.addEventListener("cancel", (e) => { e.preventDefault(); act("close", {}); });
  dialog.addEventListener("submit", (e) => { e.preventDefault(); act("submit", { answers: answersOf(e.target) }); });
  let timer = 0;
  dialog.addEventListener("input", (e) => {
    if (!e.target.classList.contains("sk-search")) return;
    clearTimeout(timer);
    timer = setTimeout(() => suggest(e.target), 250);
  });
  AdaptiveCards.AdaptiveCard.onProcessMarkdown = (text, result) => { result.outputHtml = markdown(text); result.didProcess = true; };
  loadPeople(true).catch((error) => say(error.message));
  setInterval(() => refresh(false), 3000);
});
