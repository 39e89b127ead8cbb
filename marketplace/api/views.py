"""Public reference data as JSON; errors under /api are JSON bodies (see core.errors)."""

from __future__ import annotations

from flask import Blueprint, abort, request

from marketplace.i18n import localized
from marketplace.reference.queries import regions_of, sectors

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/regions")
def list_regions():
    """Regions with ISO 3166-2 codes and names in the three languages; filter with ?country=MA."""
    country = request.args.get("country")
    if country is not None and (len(country) != 2 or not country.isalpha()):
        abort(400, description="country must be an ISO 3166-1 alpha-2 code")
    return {
        "items": [
            {
                "code": region.iso_code,
                "country": region.country.iso2,
                "name": localized(region),
                "names": {"en": region.name_en, "fr": region.name_fr, "ar": region.name_ar},
                "capital": region.capital,
                "population": region.population,
            }
            for region in regions_of(country)
        ]
    }


@bp.get("/sectors")
def list_sectors():
    return {
        "items": [
            {"code": s.code, "name": localized(s), "names": {"en": s.name_en, "fr": s.name_fr, "ar": s.name_ar},
             "listable": s.is_listable}
            for s in sectors()
        ]
    }
