// declsearch's search page: plain JavaScript, no library, nothing loaded from elsewhere.
// Passage text is only ever inserted as text (textContent, text nodes), never as HTML.
"use strict";

const PAGE_SIZE = 10;
const DEBOUNCE_MS = 200;
const SWITCHES = ["cross", "pinyin", "semantic", "parallel", "all"];

const $ = (id) => document.getElementById(id);

/** An element with a class and children (strings become text nodes). */
function el(tag, className, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  for (const child of children) {
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

/** Text pieces from the API as text with <mark>ed matches. */
function fragmentsNode(className, fragments) {
  const p = el("p", className);
  for (const fragment of fragments) {
    p.append(fragment.hit ? el("mark", "", fragment.text) : document.createTextNode(fragment.text));
  }
  return p;
}

function thousands(n) {
  return n.toLocaleString("en-US");
}

function docHref(doc, passage) {
  return "/doc/" + encodeURIComponent(doc) + (passage ? "#p" + passage : "");
}

// ---- the search view ----

/** The search as the URL says it. */
function readUrl() {
  const params = new URLSearchParams(location.search);
  const state = {
    q: params.get("q") || "",
    lang: params.get("lang") || "",
    doc: params.get("doc") || "",
    page: Math.max(1, parseInt(params.get("page") || "1", 10) || 1),
  };
  for (const name of SWITCHES) state[name] = params.get(name) === "1";
  return state;
}

/** The search the controls say, on `page`. */
function readControls(page) {
  const state = { q: $("q").value, lang: $("lang").value, doc: $("doc").value.trim(), page };
  for (const name of SWITCHES) state[name] = $(name).checked;
  return state;
}

function showControls(state) {
  $("q").value = state.q;
  $("lang").value = state.lang;
  $("doc").value = state.doc;
  for (const name of SWITCHES) $(name).checked = state[name];
}

function urlOf(state) {
  const params = new URLSearchParams();
  if (state.q) params.set("q", state.q);
  if (state.lang) params.set("lang", state.lang);
  if (state.doc) params.set("doc", state.doc);
  for (const name of SWITCHES) if (state[name]) params.set(name, "1");
  if (state.page > 1) params.set("page", String(state.page));
  const query = params.toString();
  return "/" + (query ? "?" + query : "");
}

let current = readUrl();
let inFlight = null;
let debounce = null;

/** Run the search `state` describes, and put it in the URL (`push`: as a new history entry). */
async function search(state, push) {
  current = state;
  const url = urlOf(state);
  if (url !== location.pathname + location.search) {
    (push ? history.pushState : history.replaceState).call(history, null, "", url);
  }
  document.title = state.q ? state.q + " · declsearch" : "declsearch";
  if (inFlight) inFlight.abort();
  if (!state.q.trim()) {
    setStatus("", false);
    $("hits").replaceChildren();
    $("pager").hidden = true;
    return;
  }
  const params = new URLSearchParams({
    q: state.q,
    limit: String(PAGE_SIZE),
    offset: String((state.page - 1) * PAGE_SIZE),
  });
  if (state.lang) params.set("lang", state.lang);
  if (state.doc) params.set("doc", state.doc);
  for (const name of SWITCHES) if (state[name]) params.set(name, "true");
  const controller = new AbortController();
  inFlight = controller;
  let body;
  try {
    const response = await fetch("/api/search?" + params, { signal: controller.signal });
    body = await response.json();
    if (!response.ok) throw new Error(body.error ? body.error.message : response.statusText);
  } catch (err) {
    if (err.name === "AbortError") return;
    showError(err.message || String(err));
    return;
  } finally {
    if (inFlight === controller) inFlight = null;
  }
  if (current !== state) return;
  renderHits(state, body);
}

function setStatus(text, error) {
  const status = $("status");
  status.textContent = text;
  status.classList.toggle("error", error);
}

function showError(message) {
  setStatus("Error: " + message, true);
  $("hits").replaceChildren();
  $("pager").hidden = true;
}

function renderHits(state, body) {
  const list = $("hits");
  list.replaceChildren();
  const first = body.offset + 1;
  const last = body.offset + body.hits.length;
  if (body.hits.length === 0) {
    const hint = body.total > 0
      ? "No more passages: this page is past the last of " + thousands(body.total) + "."
      : "No passage matches “" + state.q + "”." +
        (state.cross ? "" : " Try cross-lingual, or fewer words.");
    setStatus(hint, false);
  } else {
    const noun = body.total === 1 ? "passage" : "passages";
    setStatus(
      thousands(first) + "–" + thousands(last) + " of " + thousands(body.total) + " " + noun +
        " (" + body.took_ms.toFixed(1) + " ms)",
      false,
    );
  }
  for (const hit of body.hits) list.append(hitNode(hit));
  const pages = Math.ceil(body.total / PAGE_SIZE);
  $("pager").hidden = pages <= 1;
  $("prev").disabled = state.page <= 1;
  $("next").disabled = last >= body.total;
  $("page-number").textContent = "page " + state.page + " of " + thousands(Math.max(pages, 1));
}

function hitNode(hit) {
  const item = el("li", "hit");
  item.tabIndex = 0;
  item.dataset.href = docHref(hit.doc, hit.passage);
  const link = el("a", "", hit.path + ":" + place(hit));
  link.href = item.dataset.href;
  link.tabIndex = -1;
  const only = el("button", "link-button", "only this document");
  only.type = "button";
  only.tabIndex = -1;
  only.addEventListener("click", () => {
    $("doc").value = hit.doc;
    search(readControls(1), true);
  });
  // The document id, where the file name does not already say it (as the CLI's header).
  const file = hit.path.split("/").pop();
  const named = file === hit.doc || file.startsWith(hit.doc + ".");
  const head = el(
    "div",
    "hit-head",
    link,
    el("span", "", (named ? "" : hit.doc + " ") + "#" + hit.passage),
    el("span", "badge " + hit.lang, hit.lang),
    el("span", "", "score " + hit.score.toFixed(2)),
    only,
  );
  if (hit.title) {
    head.append(el("span", "hit-title", hit.title));
  }
  item.append(head, fragmentsNode("text", hit.snippet_fragments || hit.fragments));
  if (hit.via && hit.via.length) {
    item.append(el("div", "via", "via " + hit.via.map(([typed, form]) => typed + " → " + form).join(", ")));
  }
  if (hit.parallel) {
    const parallel = el(
      "div",
      "parallel",
      el("span", "badge " + hit.parallel.lang, hit.parallel.lang),
      " ",
    );
    const link = el("a", "", hit.parallel.doc + " #" + hit.parallel.passage);
    link.href = docHref(hit.parallel.doc, hit.parallel.passage);
    parallel.append(link, el("p", "text", hit.parallel.text));
    item.append(parallel);
  }
  return item;
}

function scheduleSearch() {
  clearTimeout(debounce);
  debounce = setTimeout(() => search(readControls(1), false), DEBOUNCE_MS);
}

function startSearchView() {
  $("search-view").hidden = false;
  showControls(current);
  $("q").addEventListener("input", scheduleSearch);
  $("doc").addEventListener("input", scheduleSearch);
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(debounce);
    search(readControls(1), true);
  });
  for (const id of ["lang", ...SWITCHES]) {
    $(id).addEventListener("change", () => search(readControls(1), true));
  }
  $("prev").addEventListener("click", () => search({ ...current, page: current.page - 1 }, true));
  $("next").addEventListener("click", () => search({ ...current, page: current.page + 1 }, true));
  window.addEventListener("popstate", () => {
    const state = readUrl();
    showControls(state);
    search(state, false);
  });
  if (current.q) search(current, false);
  $("q").focus();
  // The meaning switch is shown where the index has vectors (`declsearch index --semantic`).
  fetch("/api/status")
    .then((response) => response.json())
    .then((status) => {
      if (!status.semantic && !current.semantic) $("semantic").parentElement.hidden = true;
    })
    .catch(() => {});
}

// ---- the document view ----

async function startDocView(id) {
  $("doc-view").hidden = false;
  $("filters").hidden = true;
  const back = document.referrer && new URL(document.referrer).origin === location.origin
    ? document.referrer : "/";
  $("back").href = back;
  $("doc-title").textContent = id;
  document.title = id + " · declsearch";
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    location.href = urlOf({ ...readControls(1) });
  });
  let body;
  try {
    const response = await fetch("/api/doc/" + encodeURIComponent(id));
    body = await response.json();
    if (!response.ok) throw new Error(body.error ? body.error.message : response.statusText);
  } catch (err) {
    const status = $("doc-title");
    status.textContent = "Error: " + (err.message || String(err));
    status.parentElement.classList.add("error");
    return;
  }
  $("doc-title").textContent = body.doc + " · " + body.path + " · " +
    thousands(body.passages.length) + (body.passages.length === 1 ? " passage" : " passages");
  const container = $("passages");
  for (const passage of body.passages) {
    const article = el(
      "article",
      "",
      el(
        "div",
        "hit-head",
        el("span", "", "#" + passage.passage + where(passage)),
        el("span", "badge " + passage.lang, passage.lang),
      ),
      el("p", "text", passage.text),
    );
    article.id = "p" + passage.passage;
    container.append(article);
  }
  markPassage();
  window.addEventListener("hashchange", markPassage);
}

function markPassage() {
  for (const marked of document.querySelectorAll("article.marked")) marked.classList.remove("marked");
  const target = location.hash ? document.getElementById(location.hash.slice(1)) : null;
  if (target) {
    target.classList.add("marked");
    target.scrollIntoView({ block: "center" });
  }
}

// ---- keys ----

function hitItems() {
  return Array.from(document.querySelectorAll("#hits .hit"));
}

document.addEventListener("keydown", (event) => {
  const typing = event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement;
  if (event.key === "/" && !typing) {
    event.preventDefault();
    $("q").focus();
    $("q").select();
    return;
  }
  if (event.key === "Escape") {
    $("q").focus();
    return;
  }
  const items = hitItems();
  const at = items.indexOf(document.activeElement);
  if (event.key === "ArrowDown" && (at >= 0 || event.target === $("q")) && items.length) {
    event.preventDefault();
    items[Math.min(at + 1, items.length - 1)].focus();
  } else if (event.key === "ArrowUp" && at >= 0) {
    event.preventDefault();
    if (at === 0) $("q").focus();
    else items[at - 1].focus();
  } else if (event.key === "Enter" && at >= 0) {
    event.preventDefault();
    location.href = items[at].dataset.href;
  }
});

document.addEventListener("click", (event) => {
  const item = event.target.closest && event.target.closest(".hit");
  if (item && !event.target.closest("a, button") && !getSelection().toString()) {
    item.focus();
  }
});

if (location.pathname.startsWith("/doc/")) {
  const raw = location.pathname.slice("/doc/".length);
  let id = raw;
  try {
    id = decodeURIComponent(raw);
  } catch (_) {
    // A malformed escape: ask for the id as written; the server says it is unknown.
  }
  startDocView(id);
} else {
  startSearchView();
}

// Where a passage is in its file: its line, or for a PDF its page and the line of the page.
function place(hit) {
  return hit.page ? "p" + hit.page + ":" + hit.line : String(hit.line);
}

function where(passage) {
  return (passage.page ? " · page " + passage.page : "") + " · line " + passage.line;
}
