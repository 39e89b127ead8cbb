"""A cast for listing tests: an NGO that lists, its bank, a ministry that reviews, and outsiders."""

from dataclasses import dataclass

import pytest

from tests.factories import OrganisationRecord, ProjectFactories, UserRecord


@dataclass
class Cast:
    ngo: OrganisationRecord
    bank: OrganisationRecord
    ministry: OrganisationRecord
    other_ngo: OrganisationRecord
    owner: UserRecord
    banker: UserRecord
    reviewer: UserRecord
    stranger: UserRecord
    investor: UserRecord


@pytest.fixture
def cast(app, make) -> Cast:
    from sqlalchemy import select

    from marketplace.extensions import db
    from marketplace.reference.models import Country

    with app.app_context():
        morocco = db.session.scalar(select(Country.id).where(Country.iso2 == "MA"))
    ngo = make.organisation(name="Association Oujda Santé", type="ngo")
    bank = make.organisation(name="Banque Atlas Test", type="bank")
    ministry = make.organisation(name="Ministère Test", type="ministry", country_id=morocco)
    other = make.organisation(name="Autre ONG", type="ngo")
    return Cast(
        ngo=ngo, bank=bank, ministry=ministry, other_ngo=other,
        owner=make.user(organisation=ngo, role="manager"),
        banker=make.user(organisation=bank),
        reviewer=make.user(organisation=ministry),
        stranger=make.user(organisation=other, role="manager"),
        investor=make.investor(),
    )


@pytest.fixture
def projects(app):
    return ProjectFactories(app)
