"""A tender as an OCDS 1.1 release package (schema 1.1.5), built from plain values (no query here).

The ocid is the OCDS_OCID_PREFIX setting, the organisation's number and the tender's number: stable
for the tender's whole life. The award criteria of OCDS 1.1 are a code and a text: the text lists
every criterion of the evaluation with its weight and its share of the total (docs/CONTRACTS.md).
"""

import calendar
import datetime
from decimal import Decimal

from django.conf import settings

PROCUREMENT_METHODS = {
    "open": "open",
    "adapted": "open",
    "restricted": "selective",
    "negotiated": "selective",
    "competitive_dialogue": "selective",
}


def ocid(tender) -> str:
    return f"{settings.OCDS_OCID_PREFIX}-{tender.organization_id}-{tender.pk}"


def add_months(day, months):
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _moment(value):
    """An RFC 3339 date-time: a date is read as midnight UTC."""
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
    return f"{value.isoformat()}T00:00:00Z"


def _value(amount):
    amount = Decimal(amount)
    return {"amount": int(amount) if amount == amount.to_integral_value() else float(amount), "currency": "EUR"}


def _party_id(kind, pk):
    return f"{kind}-{pk}"


def criteria_text(criteria) -> str:
    """ "Valeur technique : 60 % (…); API FHIR : 50 % du niveau, 30 % du total; …" from the tree rows."""
    parts = []
    for row in criteria:
        if row["kind"] == "eliminatory":
            parts.append(f"{row['number']} {row['name']} (éliminatoire)")
            continue
        share = row["global_weight"]
        weight = row["weight"]
        text = f"{row['number']} {row['name']} : {weight:g} %"
        if row["depth"] and share is not None:
            text += f" ({share:g} % du total)"
        parts.append(text)
    return "; ".join(parts)


def release_package(*, tender, organization, criteria, bids, contracts, published, uri, estimated_value=None) -> dict:
    """The release package of `tender`.

    `criteria`: rows of scoring.selectors.criteria_for_document; `bids`: [{"id", "name", "siret"}];
    `contracts`: [{"contract", "modifications"}] with the contract's bid in `contract.bid_id`;
    `published`: the package's date-time; `estimated_value`: the buyer's estimate excluding VAT (the
    procedure record's), published as the planning budget and the tender's value when known.
    One release, tagged with what it holds.
    """
    buyer_id = f"FR-SIRET-{organization.siret}" if organization.siret else _party_id("org", organization.pk)
    buyer = {"id": buyer_id, "name": organization.name}
    if organization.siret:
        buyer_party = {**buyer, "identifier": {"scheme": "FR-SIRET", "id": organization.siret}}
    else:
        buyer_party = dict(buyer)
    parties = [{**buyer_party, "roles": ["buyer", "procuringEntity"]}]
    suppliers = {item["contract"].bid_id for item in contracts}
    tenderers = []
    for bid in bids:
        party = {"id": _party_id("bid", bid["id"]), "name": bid["name"]}
        tenderers.append(dict(party))
        if bid["siret"]:
            party["identifier"] = {"scheme": "FR-SIRET", "id": bid["siret"], "legalName": bid["name"]}
        party["roles"] = ["tenderer", "supplier"] if bid["id"] in suppliers else ["tenderer"]
        parties.append(party)
    names = {bid["id"]: bid["name"] for bid in bids}
    cpv = next((item["contract"].cpv for item in contracts if item["contract"].cpv), "")
    item = {"id": "1", "description": tender.title}
    if cpv:
        item["classification"] = {"scheme": "CPV", "id": cpv[:8]}
    tender_block = {
        "id": tender.reference,
        "title": tender.title,
        "status": "complete" if contracts else "active",
        "procuringEntity": buyer,
        "items": [item],
        "awardCriteria": "ratedCriteria",
        "awardCriteriaDetails": criteria_text(criteria),
        "numberOfTenderers": len(bids),
        "tenderers": tenderers,
        "mainProcurementCategory": "services",
        "procurementMethodDetails": str(tender.get_procedure_display()),
    }
    method = PROCUREMENT_METHODS.get(tender.procedure)
    if method:
        tender_block["procurementMethod"] = method
    tender_block = {k: v for k, v in tender_block.items() if v is not None}
    awards, contract_blocks = [], []
    for entry in contracts:
        contract, modifications = entry["contract"], entry["modifications"]
        award_id = f"award-{contract.pk}"
        awards.append(
            {
                "id": award_id,
                "title": tender.title,
                "status": "active",
                "date": _moment(contract.notified_on),
                "value": _value(contract.amount),
                "suppliers": [
                    {"id": _party_id("bid", contract.bid_id), "name": names.get(contract.bid_id, contract.holder_name)}
                ],
                "contractPeriod": {"startDate": _moment(contract.notified_on)},
            }
        )
        amount, duration = contract.amount, contract.duration_months
        for modification in modifications:
            amount = modification.amount if modification.amount is not None else amount
            duration = modification.duration_months or duration
        block = {
            "id": contract.uid,
            "awardID": award_id,
            "title": tender.title,
            "status": "active",
            "value": _value(amount),
            "period": {
                "startDate": _moment(contract.notified_on),
                "endDate": _moment(add_months(contract.notified_on, duration)),
            },
            "dateSigned": _moment(contract.notified_on),
        }
        if modifications:
            block["amendments"] = [
                {"id": str(m.number), "date": _moment(m.notified_on), "description": m.object} for m in modifications
            ]
        contract_blocks.append(block)
    tags = ["tender"] + (["award", "contract"] if contracts else [])
    release = {
        "ocid": ocid(tender),
        "id": f"{ocid(tender)}-{published.strftime('%Y%m%dT%H%M%S')}",
        "date": _moment(published),
        "tag": tags,
        "initiationType": "tender",
        "language": "fr",
        "parties": parties,
        "buyer": buyer,
        "tender": tender_block,
    }
    if estimated_value is not None:
        release["planning"] = {"budget": {"amount": _value(estimated_value)}}
        release["tender"]["value"] = _value(estimated_value)
        release["tag"] = ["planning", *tags]
    if awards:
        release["awards"] = awards
        release["contracts"] = contract_blocks
    return {
        "uri": uri,
        "version": "1.1",
        "publishedDate": _moment(published),
        "publisher": {"name": organization.name},
        "releases": [release],
    }
