"""文号: the names of issuing bureaus and the numbers of the documents they issue."""

from __future__ import annotations

from datetime import date

from domain.session import Session
from tenants import region_tree

# The document-type word in a number (异 objection, 修 repair, 信报 credit report).
WORDS = {"objection": "医保异", "objection_decision": "医保异决", "repair": "医保修申", "repair_decision": "医保修",
         "report": "医保信报"}


def bureau_name(region_code: str) -> str:
    """医疗保障局 of a node, named with its city for counties ("合肥市瑶海区医疗保障局")."""
    tree = region_tree()
    region = tree.get(region_code)
    names = [a.name for a in reversed(tree.ancestors(region_code)) if a.level != "province"]
    prefix = "".join(n for n in names if n != region.name)
    return f"{prefix}{region.name}医疗保障局"


async def next_number(*, session: Session, word: str, on: date) -> str:
    """A new document number, e.g. 医保异〔2026〕000042号 (one sequence for all rights documents)."""
    n = await session.fetchval("SELECT nextval('rights_document_seq')")
    return f"{WORDS[word]}〔{on.year}〕{int(n):06d}号"
