"""The user's notifications, newest first; opening the page marks them read."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from marketplace.accounts.forms import ConfirmForm
from marketplace.extensions import db
from marketplace.notifications.models import Notification
from marketplace.notifications.services import mark_all_read, message_for

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.get("/")
@login_required
def index():
    notifications = db.session.scalars(
        select(Notification).where(Notification.user_id == current_user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(100)
    ).all()
    items = [{"text": message_for(n.kind, n.params), "link": n.link, "created_at": n.created_at,
              "unread": n.read_at is None} for n in notifications]
    return render_template("notifications/index.html", items=items, form=ConfirmForm())


@bp.post("/read")
@login_required
def mark_read():
    if ConfirmForm().validate_on_submit():
        mark_all_read(current_user.id)
        db.session.commit()
    return redirect(url_for("notifications.index"))
