"""An investor pledges through the pages, sees it in the portfolio, revokes it; others see nothing of it."""

import re

from tests.pledges.conftest import books


def pledge_page(browserless, project_id, data):
    url = f"/projects/{project_id}/pledge"
    page = browserless.client.get(url)
    assert page.status_code == 200, page.status_code
    key = re.search(r'name="request_key" type="hidden" value="([0-9a-f]+)"', page.get_data(as_text=True)).group(1)
    return browserless.post_form(url, {"request_key": key, "method": "bank_transfer", **data})


def test_a_belgian_investor_pledges_by_transfer_and_revokes_within_the_reflection_period(app, browserless, pledging):
    project_id = pledging.project(target="20000", min_ticket="100")
    investor = pledging.eu_investor()
    browserless.login(investor.email, investor.password)

    refused = pledge_page(browserless, project_id, {"amount": "250"})
    assert refused.status_code == 200
    assert "Confirm that you read how the reflection period works." in refused.get_data(as_text=True)
    assert books(app, project_id)["reserved"] == 0

    done = pledge_page(browserless, project_id, {"amount": "250", "reflection_notice_seen": "y"})
    assert done.status_code == 302 and "/portfolio/" in done.headers["Location"]
    detail = browserless.client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Your reflection period has started" in detail
    assert "Europe/Brussels" in detail  # the deadline is shown in the investor's zone
    assert books(app, project_id)["reserved"] == 25_000

    portfolio = browserless.client.get("/portfolio").get_data(as_text=True)
    assert "250" in portfolio and "Offered (revocable)" in portfolio

    pledge_id = int(done.headers["Location"].rsplit("/", 1)[1])
    revoked = browserless.post_form(f"/portfolio/{pledge_id}/revoke", {}, form_url=f"/portfolio/{pledge_id}")
    assert revoked.status_code == 302
    assert books(app, project_id) == {"reserved": 0, "active": 0, "states": {"revoked": 1}, "investors": 0,
                                      "status": "published"}
    history = browserless.client.get(f"/portfolio/{pledge_id}").get_data(as_text=True)
    assert "Revoked" in history and "Reflection period started" in history


def test_a_double_clicked_pledge_button_makes_one_pledge(app, browserless, pledging):
    project_id = pledging.project(target="20000", min_ticket="100")
    investor = pledging.investor("MA")
    browserless.login(investor.email, investor.password)
    url = f"/projects/{project_id}/pledge"
    page = browserless.client.get(url).get_data(as_text=True)
    key = re.search(r'name="request_key" type="hidden" value="([0-9a-f]+)"', page).group(1)
    first = browserless.post_form(url, {"request_key": key, "method": "bank_transfer", "amount": "100"})
    second = browserless.post_form(url, {"request_key": key, "method": "bank_transfer", "amount": "100"})
    assert first.headers["Location"] == second.headers["Location"]
    assert books(app, project_id)["states"] == {"committed": 1}
    assert books(app, project_id)["reserved"] == 10_000


def test_bad_amounts_are_refused_with_a_field_error_and_change_nothing(app, browserless, pledging):
    project_id = pledging.project(target="1000", min_ticket="100", pledged_minor=90_000)
    investor = pledging.investor("MA")
    browserless.login(investor.email, investor.password)
    for amount, message in [("50", "The minimum pledge is"), ("abc", "Enter an amount such as"),
                            ("100.001", "Enter an amount such as"), ("-5", "Enter an amount greater than zero"),
                            ("200", "can still be pledged"), ("1e3", "Enter an amount such as")]:
        response = pledge_page(browserless, project_id, {"amount": amount})
        assert response.status_code == 200, amount
        assert message in response.get_data(as_text=True), amount
    assert books(app, project_id)["reserved"] == 90_000
    assert books(app, project_id)["states"] == {}


def test_card_payment_is_hidden_without_stripe_keys(app, browserless, pledging):
    project_id = pledging.project()
    investor = pledging.investor("MA")
    browserless.login(investor.email, investor.password)
    page = browserless.client.get(f"/projects/{project_id}/pledge").get_data(as_text=True)
    assert 'value="bank_transfer"' in page and 'value="card"' not in page
    response = pledge_page(browserless, project_id, {"amount": "100", "method": "card"})
    assert "Not a valid choice" in response.get_data(as_text=True) or "Choose a payment method" in \
        response.get_data(as_text=True)
    assert books(app, project_id)["states"] == {}


def test_refusals_for_unpublished_projects_incomplete_profiles_and_strangers_pledges(app, browserless, pledging, make):
    draft_id = pledging.project(status="draft")
    open_id = pledging.project()
    nowhere = make.investor()  # no country of residence
    browserless.login(nowhere.email, nowhere.password)
    assert browserless.client.get(f"/projects/{draft_id}/pledge").status_code == 404
    response = browserless.client.get(f"/projects/{open_id}/pledge")
    assert response.status_code == 302 and "/account/profile" in response.headers["Location"]
    browserless.logout()

    owner = pledging.investor("MA")
    browserless.login(owner.email, owner.password)
    done = pledge_page(browserless, open_id, {"amount": "100"})
    pledge_url = done.headers["Location"]
    browserless.logout()

    other = pledging.investor("MA")
    browserless.login(other.email, other.password)
    assert browserless.client.get(pledge_url).status_code == 404
    pledge_id = pledge_url.rsplit("/", 1)[1]
    assert browserless.post_form(f"/portfolio/{pledge_id}/revoke", {}, form_url="/portfolio").status_code == 404
    assert "PSL-" not in browserless.client.get("/portfolio").get_data(as_text=True)


def test_the_portfolio_costs_the_same_queries_for_one_pledge_or_many(app, browserless, pledging, count_queries):
    from tests.pledges.conftest import pledge_as

    project_id = pledging.project(target="100000", min_ticket="100")
    investor = pledging.investor("MA")
    browserless.login(investor.email, investor.password)
    pledge_as(app, investor.id, project_id, 10_000)
    with count_queries() as one:
        browserless.client.get("/portfolio")
    for _ in range(15):
        pledge_as(app, investor.id, project_id, 10_000)
    with count_queries() as many:
        assert "PSL-" in browserless.client.get("/portfolio").get_data(as_text=True)
    assert len(many) == len(one)


def test_a_belgian_investor_answers_the_questionnaire_before_the_first_pledge(app, browserless, pledging):
    project_id = pledging.project(target="20000", min_ticket="100")
    investor = pledging.investor("BE")
    browserless.login(investor.email, investor.password)
    first = browserless.client.get(f"/projects/{project_id}/pledge")
    assert first.status_code == 302 and "/investor/questionnaire" in first.headers["Location"]
    page = browserless.client.get("/investor/questionnaire").get_data(as_text=True)
    assert "Knowledge test" in page and "How much loss could you bear?" in page
    skipped = browserless.post_form("/investor/questionnaire", {"part": "skip_test"})
    assert skipped.status_code == 302
    simulated = browserless.post_form("/investor/questionnaire", {
        "part": "simulation", "annual_income": "40000", "liquid_assets": "25000", "commitments": "5000"})
    assert simulated.status_code == 302
    assert "net worth €60,000" in browserless.client.get("/investor/questionnaire").get_data(as_text=True)
    form = browserless.client.get(f"/projects/{project_id}/pledge").get_data(as_text=True)
    # Skipped test: the prescribed warning is shown and must be acknowledged.
    assert "risk of losing the entirety of the money invested" in form
    refused = pledge_page(browserless, project_id, {"amount": "100", "reflection_notice_seen": "y"})
    assert "Acknowledge the risk warning" in refused.get_data(as_text=True)
    done = pledge_page(browserless, project_id, {"amount": "100", "reflection_notice_seen": "y",
                                                 "risk_warning_acknowledged": "y"})
    assert done.status_code == 302
    assert books(app, project_id)["states"] == {"offered": 1}


def test_deadlines_follow_the_time_zone_chosen_in_the_profile(app, browserless, pledging):
    from marketplace.accounts.models import User
    from marketplace.extensions import db
    from marketplace.pledges.protection import investor_zone

    investor = pledging.investor("CA")
    with app.app_context():
        assert investor_zone(db.session.get(User, investor.id)).key == "America/Creston"  # CLDR's first for CA
    browserless.login(investor.email, investor.password)
    profile = browserless.client.get("/account/profile").get_data(as_text=True)
    assert 'value="America/Toronto"' in profile
    bad = browserless.post_form("/account/profile", {"display_name": "Test", "locale": "en", "time_zone": "Mars/Base"})
    assert bad.status_code == 422
    saved = browserless.post_form("/account/profile", {"display_name": "Test", "locale": "en",
                                                       "time_zone": "America/Toronto"})
    assert saved.status_code == 302
    with app.app_context():
        assert investor_zone(db.session.get(User, investor.id)).key == "America/Toronto"
