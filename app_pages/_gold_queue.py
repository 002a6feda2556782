"""The Manifests page's "Gold in the queue": gold objects from a gold file mixed into the manifest being
built (core.manifests.gold_mix), each line tagged with its true label."""

from __future__ import annotations

import streamlit as st

from app_pages._shared import show_error, sync_url, url_state, workspace, workspace_key
from core.gold import GoldError, read_gold
from core.manifests import ManifestError, ManifestPlan
from core.manifests.gold_mix import MAX_SHARE, mix_gold
from core.storage import StoreError


@st.cache_data(ttl=120, show_spinner="Reading the gold file ...")
def _gold(uri: str, ws_key: tuple) -> dict[str, str]:
    return read_gold(uri, workspace().open(uri).read())


def gold_in_queue(plan: ManifestPlan) -> ManifestPlan | None:
    """The plan with gold mixed in as chosen (itself when no gold file is given); None when the gold file
    cannot be used, said on the page, so nothing is written without the gold the user asked for."""
    with st.expander("Gold in the queue", icon=":material/verified:"):
        st.caption("Mix objects whose true label you know into the manifest, each line tagged with that label. "
                   "Ground Truth keeps the tag in its output, so the Workers page measures every worker on them "
                   "while the job runs, and the Annotations page leaves them out of what was labeled. A gold "
                   "object already in the manifest is not added twice; each part of a split gets its share.")
        left, right = st.columns([3, 1])
        uri = left.text_input("Gold file", value=url_state("goldmix", ""), key="gold_mix_in",
                              placeholder="s3://bucket/gold.jsonl",
                              help="CSV with source-ref and label columns, JSON lines, or a trusted job's output "
                                   "manifest: objects named by their whole URI")
        share = right.number_input("Gold share (%)", 1, round(MAX_SHARE * 100), value=5, key="gold_share_in",
                                   help="Of the lines written: 5 % means 5 of every 100 lines are gold")
    sync_url(goldmix=uri.strip() or None)
    if not uri.strip():
        return plan
    try:
        mixed, _ = mix_gold(plan, _gold(uri.strip(), workspace_key()), share / 100, uri.strip())
    except (GoldError, StoreError, ManifestError) as exc:
        show_error(exc, "No gold mixed in")
        return None
    return mixed
