"""The few styles Streamlit's theme does not cover: the result card, bars, flags and lists;
the layout at phone width; the answer bar pinned while answering; and the keyboard and screen
reader touches Streamlit has no option for (KEYBOARD: a small script, no network, no user text).
"""

from __future__ import annotations

import streamlit as st

CSS = """
<style>
.block-container { padding-top: 1rem; }
h1 { font-size: 2.2rem !important; }
.ia-flag { color: #b42318; font-size: 0.85rem; margin: -0.4rem 0 0.6rem 0; }
.ia-label { text-transform: uppercase; letter-spacing: .06em; font-size: .72rem; color: #667085;
  font-weight: 600; }
.ia-card { border-radius: 12px; padding: .9rem 1.2rem; margin-bottom: .8rem;
  border: 1px solid #e4e7ec; border-left: 6px solid var(--ia-accent); background: #ffffff;
  display: grid; grid-template-columns: minmax(0, 1.25fr) minmax(0, 1fr) minmax(0, 1.35fr);
  gap: 1.5rem; align-items: center; }
.st-key-ia-blueprint { align-items: center; }
/* The upload's limit is said once, in bytes as the command line says it (toolbar.LARGEST_FILE),
   not also as the browser's own check counts it (toolbar.UPLOAD_MB). */
.st-key-ia-upload [data-testid="stFileUploaderDropzoneInstructions"] span,
.st-key-ia-rules-upload [data-testid="stFileUploaderDropzoneInstructions"] span { display: none; }
/* The Versions menu: room for its list's name, date and recommendation side by side. */
.st-key-ia-versions-menu { width: min(36rem, 85vw); }
.ia-words { font-size: .85rem; color: #475467; margin: -.4rem 0 .4rem; }
.ia-words summary { cursor: pointer; color: #344054; }
.st-key-ia-summary .ia-card { margin-bottom: 0; }
/* The answer in one line, pinned to the top of the window once the card has scrolled away: a
   sticky bar of no height (nothing moves when it sticks), its line shown only while stuck. */
[data-testid="stLayoutWrapper"]:has(> .st-key-ia-pin) { position: sticky; top: 0; z-index: 100;
  height: 0; margin-bottom: -1rem; container-type: scroll-state; }
.st-key-ia-pin, .st-key-ia-pin [data-testid="stElementContainer"] { height: 0; overflow: visible; }
.ia-pin { display: flex; flex-wrap: wrap; align-items: baseline; gap: .2rem 1.2rem;
  padding: .45rem 1rem; background: #fff; border: 1px solid #e4e7ec; border-top: none;
  border-left: 6px solid var(--ia-accent); border-radius: 0 0 10px 10px; font-size: .9rem;
  color: #344054; box-shadow: 0 6px 14px -10px rgba(16,24,40,.45); visibility: hidden;
  opacity: 0; transition: opacity .15s; }
.ia-pin-style { font-weight: 700; font-size: 1.05rem; color: var(--ia-accent); }
.ia-pin-name { color: #475467; margin-left: auto; }
.ia-pin-missing { --ia-accent: #b42318; }
@container scroll-state(stuck: top) { .ia-pin { visibility: visible; opacity: 1; } }
/* Section headings are h2 (after the page's h1) at the size of a column's heading. */
.stMain h2 { font-size: 1.45rem !important; padding: .3rem 0 .2rem !important; }
/* Phone width: the card's three parts one under the other, nothing wider than the window. */
@media (max-width: 760px) {
  .block-container { padding-left: 1rem !important; padding-right: 1rem !important; }
  h1 { font-size: 1.7rem !important; }
  .ia-card, .ia-card.ia-missing { grid-template-columns: minmax(0, 1fr); gap: .7rem;
    padding: .8rem .9rem; }
  .ia-card .ia-broker { border-left: none; padding-left: 0; border-top: 1px solid #f2f4f7;
    padding-top: .6rem; }
  .ia-style { font-size: 1.6rem; }
  .ia-pin-name { display: none; }
}
/* Keyboard focus shows on Streamlit's element toolbar too (the blueprint's Fullscreen). */
[data-testid="stElementToolbar"]:focus-within { opacity: 1 !important; }
[data-testid="stElementToolbar"] button:focus-visible,
[data-testid="stBaseButton-elementToolbar"]:focus-visible, .stMain summary:focus-visible {
  outline: 2px solid #1f5fa8 !important; outline-offset: 2px; border-radius: 4px; }
[data-testid="stLayoutWrapper"]:has(> .st-key-ia-keyboard), .st-key-ia-keyboard { display: none; }
.ia-style { font-size: 2rem; font-weight: 700; color: var(--ia-accent); line-height: 1.2; }
.ia-sub { color: #475467; font-size: .9rem; margin: .1rem 0 .5rem; }
.ia-meaning { color: #667085; font-size: .78rem; margin: -.3rem 0 .5rem; }
.ia-api { --ia-accent: #1f5fa8; }
.ia-missing { --ia-accent: #b42318; grid-template-columns: minmax(14rem, 1fr) 2.6fr; }
.ia-missing .ia-style { font-size: 1.4rem; }
.st-key-ia-blueprint-before img { opacity: .35; filter: grayscale(1); }
.ia-event { --ia-accent: #c2410c; }
.ia-hybrid { --ia-accent: #7b3fa0; }
.ia-api-text { color: #1f5fa8; }
.ia-event-text { color: #c2410c; }
.ia-bars { margin: 0; }
.ia-bar { display: grid; grid-template-columns: 4rem 1fr auto; align-items: center;
  gap: .5rem; font-size: .85rem; color: #475467; margin: .15rem 0; }
.ia-bar > div { background: #f2f4f7; border-radius: 4px; height: .6rem; overflow: hidden; }
.ia-bar i { display: block; height: 100%; border-radius: 4px; }
.ia-bar b { text-align: right; font-weight: 600; color: #101828; white-space: nowrap; }
.ia-api-bar { background: #1f5fa8; }
.ia-event-bar { background: #c2410c; }
.ia-broker { font-size: .9rem; color: #344054; border-left: 1px solid #f2f4f7;
  padding-left: 1.2rem; }
.ia-flow .ia-decision { font-size: .92rem; margin-bottom: .5rem; }
.ia-polling { font-size: .88rem; background: #f9fafb; border-radius: 8px;
  padding: .45rem .7rem; margin-bottom: .6rem; color: #344054; }
.ia-reasons { width: 100%; border-collapse: collapse; font-size: .86rem; }
.ia-reasons td { border: none; border-top: 1px solid #f2f4f7; padding: .35rem .4rem;
  vertical-align: top; }
.ia-reasons tr:first-child td { border-top: none; }
.ia-pts { white-space: nowrap; font-weight: 600; width: 6.5rem; }
.ia-rule { color: #667085; font-size: .78rem; }
.ia-rule code { font-size: .74rem; }
.ia-tag { display: inline-block; border-radius: 999px; padding: 0 .55rem; font-size: .75rem;
  font-weight: 600; color: #fff; background: var(--ia-accent); margin-right: .35rem; }
.ia-problems { color: #b42318; font-size: .92rem; padding-left: 1.1rem; }
.ia-problems code { color: #344054; }
.ia-verdict { font-size: .88rem; color: #475467; margin-bottom: .2rem; }
.ia-changes, .ia-risks { padding-left: 1.1rem; font-size: .92rem; }
.ia-changes li, .ia-risks li { margin-bottom: .45rem; }
</style>
"""


# What Streamlit offers no option for, done in the page once per visit:
# - icons' names ("tune", "expand_more") are not read out in tab, menu and button labels;
# - the page's scroll region and the "?" help icons are not Tab stops (twice the keyboard
#   travel otherwise; the help shows on hover, and a screen reader still reads the button);
# - a menu (Open, Share, Download...) opened from the keyboard takes the focus to its first
#   control, instead of leaving its content at the end of the page's tab order.
KEYBOARD = """<script>
(() => {
  const page = window.parent && window.parent.document ? window.parent.document : document;
  const view = page.defaultView || window;
  if (view.iaKeyboard) return;
  view.iaKeyboard = true;
  const tidy = () => {
    const icons = '[data-testid="stIconMaterial"], [role="tab"] span[role="img"], '
      + 'button span[role="img"]';
    page.querySelectorAll(icons).forEach((icon) => {
      if (!icon.hasAttribute("aria-hidden")) icon.setAttribute("aria-hidden", "true");
    });
    page.querySelectorAll('button[aria-label^="Help for "]:not([tabindex="-1"])')
      .forEach((help) => help.setAttribute("tabindex", "-1"));
    // the page's scroll region: its controls are Tab stops enough (the skip link still works)
    const main = page.querySelector('[data-testid="stMain"][tabindex="0"]');
    if (main) main.setAttribute("tabindex", "-1");
  };
  new view.MutationObserver(tidy).observe(page.body, { childList: true, subtree: true });
  tidy();
  const controls = "button, [href], input, select, textarea, [tabindex]:not([tabindex='-1'])";
  page.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest('[data-testid="stPopoverButton"]');
    if (!button || event.detail !== 0) return;  // a keyboard's click has no detail
    let tries = 0;
    const focusMenu = () => {
      const body = page.querySelector('[data-testid="stPopoverBody"]');
      const first = body && body.querySelector(controls);
      if (first) first.focus();
      else if (body && tries > 4) {  // a menu of text alone: its text is read from the top
        body.setAttribute("tabindex", "-1");
        body.focus();
      } else if (tries < 20) view.setTimeout(focusMenu, 50);
      tries += 1;
    };
    view.setTimeout(focusMenu, 50);
  }, true);
})();
</script>"""


def apply() -> None:
    st.html(CSS)
    with st.container(key="ia-keyboard"):
        st.html(KEYBOARD, unsafe_allow_javascript=True)
