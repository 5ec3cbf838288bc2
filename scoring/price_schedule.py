"""Importing a vendor's filled price schedule (bordereau des prix, XLSX) into its bid: the bid's price
becomes the schedule's total (API.md, "The tender file as a contract (additions)").

The reader (documents/rendering/xlsx_price.py) checks the file's safety and reads the unit prices; this
module checks that the file is this tender's schedule (reference, the same lines in the same order) and
recomputes every amount from the tender's own quantities and periods (tenders/prices.py) — a cached
formula value in the file is never trusted. The price then changes through `bid_update`, so the rules of
a typed price apply (published tender, frozen once prices are opened, audited), with
`price_source = "price_schedule"` and one more audit entry holding each line's unit price and amount.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from documents.rendering.xlsx_price import QuestionnaireError, read_price_schedule_xlsx
from organizations.errors import ApplicationError
from tenders import prices
from tenders.selectors import tender_document

from .models import Bid
from .questionnaire import questionnaire_max_bytes
from .services import audit, bid_update, ensure_not_frozen, ensure_published


def price_schedule_total(price, unit_prices):
    """(total, [{"number","code","unit_price","amount"}]) from `doc["price"]` and {code: unit price}."""
    rows, total = [], 0
    for line in price["lines"]:
        unit_price = unit_prices[line["code"]]
        line_periods = prices.periods(line["period"], price["duration_months"])
        amount = prices.line_amount(line["quantity"], unit_price, line_periods)
        total += amount
        rows.append({"number": line["number"], "code": line["code"], "unit_price": unit_price, "amount": amount})
    return total, rows


def price_schedule_import(*, user, bid: Bid, data: bytes) -> dict:
    """Set the bid's price to the total of its filled price schedule (all or nothing, audited).

    Refusals: 409 while the tender is a draft or once prices are opened (as for a typed price); 400
    `{"file": [...]}` for an unsafe, unreadable or foreign file, a schedule of another tender or of other
    lines, and for every missing or wrong unit price (each naming the sheet, row and column).
    Returns ``{"price", "price_source", "lines": [{"number","unit_price","amount"}]}``.
    """
    tender = bid.tender
    ensure_published(tender)
    limit = questionnaire_max_bytes()
    if len(data) > limit:
        raise ApplicationError({"file": [_("Fichier trop volumineux (au plus %(limit)d octets).") % {"limit": limit}]})
    try:
        parsed = read_price_schedule_xlsx(data, max_bytes=limit)
    except QuestionnaireError as error:
        raise ApplicationError({"file": error.messages()})
    if parsed["reference"] != tender.reference:
        raise ApplicationError(
            {
                "file": [
                    _(
                        "Ce bordereau est celui de l'appel d'offres « %(found)s », pas de « %(expected)s » : "
                        "importez le bordereau de ce marché."
                    )
                    % {"found": parsed["reference"][:100], "expected": tender.reference}
                ]
            }
        )
    price = tender_document(tender)["price"]
    if not price["lines"]:
        raise ApplicationError({"file": [_("Ce marché n'a aucune ligne de prix : saisissez le prix de l'offre.")]})
    expected = [line["code"] for line in price["lines"]]
    found = [line["code"] for line in parsed["lines"]]
    if found != expected or parsed["duration_months"] != price["duration_months"]:
        raise ApplicationError(
            {
                "file": [
                    _(
                        "Ce bordereau ne correspond plus aux lignes ou à la durée du marché (%(found)s lignes, "
                        "%(expected)s attendues) : importez le bordereau des prix à jour du marché."
                    )
                    % {"found": len(found), "expected": len(expected)}
                ]
            }
        )
    total, rows = price_schedule_total(price, {line["code"]: line["unit_price"] for line in parsed["lines"]})
    if total <= 0:
        raise ApplicationError(
            {"file": [_("Le total du bordereau est nul : au moins un prix unitaire doit être positif.")]}
        )
    if total >= 10**12:
        raise ApplicationError({"file": [_("Le total du bordereau dépasse le montant admis.")]})
    with transaction.atomic():
        # Refused once prices are opened even when the total is unchanged (bid_update checks only changes).
        ensure_not_frozen(tender, _("une offre (candidat, prix, date de dépôt)"))
        updated = bid_update(
            user=user, bid=bid, changes={"price": total, "price_source": Bid.PriceSource.PRICE_SCHEDULE}
        )
        audit(
            tender_id=tender.pk,
            user=user,
            action="bid.price_schedule",
            obj=updated,
            field="price",
            new={
                "total": str(total),
                "lines": [
                    {"number": row["number"], "unit_price": str(row["unit_price"]), "amount": str(row["amount"])}
                    for row in rows
                ],
            },
        )
    bid.price, bid.price_source = updated.price, updated.price_source
    return {
        "price": total,
        "price_source": updated.price_source,
        "lines": [{"number": r["number"], "unit_price": r["unit_price"], "amount": r["amount"]} for r in rows],
    }
