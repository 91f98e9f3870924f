"""Shared by the rules' findings that lead into another module (`mp_lint.model.across`)."""

from __future__ import annotations

from typing import Dict

from mp_lint.model.across import CrossCall, where
from mp_lint.model.summary_types import Evidence


def across_details(call: CrossCall, evidence: Evidence, **more: str) -> Dict[str, str]:
    """Message details naming the other module's function, API and line."""
    return {"across": "yes", "function": call.label, "api": evidence.api, "where": where(evidence), **more}
