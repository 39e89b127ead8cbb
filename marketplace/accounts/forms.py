"""Forms for registration, log-in, profile and password."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

NONE_CHOICE = (0, "—")


def check_password_strength(form, field) -> None:
    """Run the password policy during form validation, so every problem shows in one round trip."""
    from marketplace.accounts.passwords import password_problems

    email = form.email.data if hasattr(form, "email") else ""
    name = form.display_name.data if hasattr(form, "display_name") else ""
    problems = password_problems(field.data or "", user_inputs=[email or "", name or ""])
    if problems:
        raise ValidationError(" ".join(problems))
VALID_EMAIL = Email(message=_l("Enter a valid e-mail address."))


class RegistrationForm(FlaskForm):
    display_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)],
                               render_kw={"autocomplete": "name"})
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=255), VALID_EMAIL],
                       render_kw={"autocomplete": "email"})
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), check_password_strength],
        description=_l("At least 10 characters; a few unrelated words make a strong password."),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(_l("Repeat the password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
                            render_kw={"autocomplete": "new-password"})
    residence_country_id = SelectField(_l("Country of residence"), coerce=int, validators=[Optional()])


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=255)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired()],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Keep me signed in on this device for 14 days"))
    next = HiddenField()


class ProfileForm(FlaskForm):
    display_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    locale = SelectField(_l("Language"))
    residence_country_id = SelectField(_l("Country of residence"), coerce=int, validators=[Optional()])
    residence_city = StringField(_l("City of residence"), validators=[Optional(), Length(max=120)])
    time_zone = SelectField(_l("Time zone"), validators=[Optional()],
                            description=_l("Deadlines such as the end of a reflection period are shown in it."))
    origin_region_id = SelectField(_l("Region of origin"), coerce=int, validators=[Optional()])


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), check_password_strength],
                                 render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


class ConfirmForm(FlaskForm):
    """An empty form whose only job is to carry the CSRF token of a POST button."""


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=255)],
                       render_kw={"autocomplete": "email"})


class ResetPasswordForm(FlaskForm):
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), check_password_strength],
                                 render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )
