"""How an invoice is taxed: standard rates, EU reverse charge, or an exemption.

- standard: the client's taxes (at most two, e.g. GST + QST), each on the net.
- reverse_charge: a B2B supply of services to a business in another EU member
  state: no VAT is charged; the customer accounts for it (Art. 196 of Council
  Directive 2006/112/EC). The invoice must carry both parties' VAT
  identification numbers and the mention "Reverse charge" (Art. 226 (11a)).
  In EN 16931 this is VAT category AE at 0 % with exemption reason code
  VATEX-EU-AE.
- exempt: no VAT for a reason the contractor states (e.g. a small-business
  exemption, or an exempt service): VAT category E at 0 % with that reason.
"""

from __future__ import annotations

from tracker.services.invoices_profile import ClientBilling

REVERSE_CHARGE_MENTION = "Reverse charge"
REVERSE_CHARGE_NOTE = ("Reverse charge: VAT to be accounted for by the recipient "
                       "(Art. 196 Council Directive 2006/112/EC).")
REVERSE_CHARGE_CODE = "VATEX-EU-AE"
DEFAULT_EXEMPTION = "Exempt from VAT"
NOT_SUBJECT = "Not subject to VAT"


def tax_block(billing: ClientBilling) -> dict:
    """The document's `tax` section: treatment, EN 16931 category, the legal text printed."""
    if billing.tax_treatment == "reverse_charge":
        return {"treatment": "reverse_charge", "category": "AE", "exemption_reason": REVERSE_CHARGE_MENTION,
                "exemption_code": REVERSE_CHARGE_CODE, "note": REVERSE_CHARGE_NOTE}
    if billing.tax_treatment == "exempt":
        reason = billing.exemption_reason or DEFAULT_EXEMPTION
        return {"treatment": "exempt", "category": "E", "exemption_reason": reason, "exemption_code": None,
                "note": f"VAT exempt: {reason}."}
    return {"treatment": "standard", "category": "S" if billing.taxes else "E",
            "exemption_reason": None if billing.taxes else NOT_SUBJECT, "exemption_code": None, "note": ""}


def check_parties(tax: dict, seller: dict, buyer: dict) -> None:
    """A reverse-charge invoice without both VAT ids is not a valid invoice: refuse to issue it."""
    if tax["treatment"] != "reverse_charge":
        return
    missing = []
    if not seller.get("tax_id"):
        missing.append("your VAT number (`tracker invoice profile set --tax-id ...`)")
    if not buyer.get("tax_id"):
        missing.append(f"the client's VAT number (`tracker invoice client set {buyer.get('tag') or 'NAME'} "
                       "--tax-id ...`)")
    if missing:
        raise ValueError("A reverse-charge invoice must show both VAT numbers: set " + " and ".join(missing) + ".")
