"""Dashboards for authorities and partners, and the public totals: read models kept in step with pledges."""

from __future__ import annotations


def init_app(app) -> None:
    """Register the blueprint, the CLI group and the observer that keeps the summary table in step."""
    from marketplace.dashboards import ppp_views  # noqa: F401  (adds the PPP routes to the blueprint)
    from marketplace.dashboards.cli import dashboards_cli
    from marketplace.dashboards.impact_views import register as register_impact  # its routes join `bp`
    from marketplace.dashboards.maintenance import on_pledge_change, on_project_moved
    from marketplace.dashboards.views import bp
    from marketplace.pledges import lifecycle
    from marketplace.projects.lifecycle import observe_moves

    lifecycle.observe(on_pledge_change)
    observe_moves(on_project_moved)
    register_impact()
    app.register_blueprint(bp)
    app.cli.add_command(dashboards_cli)

    @app.context_processor
    def public_totals_function():
        """`public_totals()` for the partial on the home page and the catalogue; called only where included."""
        from marketplace.dashboards.queries import cached_public_totals

        return {"public_totals": cached_public_totals}

    def hidden_marks() -> dict[str, str]:
        """Each privacy reason in the reader's language with the mark the tables show for it (a global, so the
        macros imported without context see it too)."""
        from marketplace.dashboards.queries import complement_reason, too_few_reason

        return {too_few_reason(): "1", complement_reason(): "2"}

    app.jinja_env.globals["hidden_marks"] = hidden_marks
