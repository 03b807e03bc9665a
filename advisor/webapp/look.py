"""The few styles Streamlit's theme does not cover: the result card, bars, flags and lists."""

from __future__ import annotations

import streamlit as st

CSS = """
<style>
.block-container { padding-top: 2rem; }
h1 { font-size: 2.2rem !important; }
.ia-flag { color: #b42318; font-size: 0.85rem; margin: -0.4rem 0 0.6rem 0; }
.ia-label { text-transform: uppercase; letter-spacing: .06em; font-size: .72rem; color: #667085;
  font-weight: 600; }
.ia-card { border-radius: 12px; padding: .9rem 1.2rem; margin-bottom: .8rem;
  border: 1px solid #e4e7ec; border-left: 6px solid var(--ia-accent); background: #ffffff;
  display: grid; grid-template-columns: minmax(14rem, 1fr) minmax(14rem, 1fr) minmax(16rem, 1.6fr);
  gap: 1.5rem; align-items: center; }
.st-key-ia-blueprint { align-items: center; }
[data-testid="stLayoutWrapper"]:has(> .st-key-ia-summary) { position: sticky; top: 0;
  z-index: 100; background: #fff; padding-top: .6rem; }
.st-key-ia-summary .ia-card { margin-bottom: 0; box-shadow: 0 4px 12px -8px rgba(16,24,40,.25); }
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
.ia-bar { display: grid; grid-template-columns: 4rem 1fr 2.6rem; align-items: center;
  gap: .5rem; font-size: .85rem; color: #475467; margin: .15rem 0; }
.ia-bar > div { background: #f2f4f7; border-radius: 4px; height: .6rem; overflow: hidden; }
.ia-bar i { display: block; height: 100%; border-radius: 4px; }
.ia-bar b { text-align: right; font-weight: 600; color: #101828; }
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


def apply() -> None:
    st.html(CSS)
