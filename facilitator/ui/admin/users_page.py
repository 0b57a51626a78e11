"""Staff accounts: list, add (with an initial password), edit, deactivate/reactivate, reset a
password, and supervision (notes need co-signature; the assigned supervisor); rotating the data
key after a deactivation and issuing a new recovery key (``key_actions``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from facilitator.services import users
from facilitator.services.users import UserView
from facilitator.services.workspace import Workspace

from ..errors import attempt, user_message
from ..form_dialog import FormHost, submit
from ..pages import Page
from ..table_model import Column, RowsModel
from ..widgets import ConfirmBar, ErrorLabel, InfoLabel, compact_rows
from .key_actions import KeyBar
from .user_forms import ROLE_TEXT, PasswordForm, SupervisionBar, UserForm, supervision_text


class UsersPage(Page, FormHost):
    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self._build_ui()
        self._connect_signals()
        self.refresh()

    def _when(self, at: datetime | None) -> str:
        return f"{at.astimezone(self.ws.timezone):%Y-%m-%d %H:%M}" if at else self.tr("never")

    def _login(self, u: UserView) -> str:
        if not u.renamed_from:
            return u.login
        return self.tr("{0} (renamed from {1})").format(u.login, u.renamed_from)

    def _login_tip(self, u: UserView) -> str:
        if not u.renamed_from:
            return ""
        return self.tr("The login {0} was given to two people on two laptops at the same"
                       " time; clinic sync renamed this account on every laptop. Its user"
                       " signs in with {1} (or, with her own password, still {0}).").format(
                           u.renamed_from, u.login)

    def _build_ui(self) -> None:
        self.model: RowsModel[UserView] = RowsModel([
            Column(self.tr("Login"), self._login, tooltip=self._login_tip),
            Column(self.tr("Name"), lambda u: u.display_name),
            Column(self.tr("Credentials"), lambda u: u.credentials),
            Column(self.tr("Role"), lambda u: self.tr(ROLE_TEXT.get(u.role, u.role))),
            Column(self.tr("Status"),
                   lambda u: self.tr("Active") if u.active else self.tr("Deactivated")),
            Column(self.tr("Supervision"), lambda u: supervision_text(u, self._names)),
            Column(self.tr("Last sign-in"), lambda u: self._when(u.last_login_at)),
        ], self)
        self._names: dict[int, str] = {}
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        compact_rows(self.table)
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.add_button = QPushButton(self.tr("&Add account…"))
        self.edit_button = QPushButton(self.tr("&Edit…"))
        self.active_button = QPushButton(self.tr("&Deactivate"))
        self.reset_button = QPushButton(self.tr("&Reset password…"))
        self.supervision_button = QPushButton(self.tr("Super&vision…"))
        self.recovery_button = QPushButton(self.tr("New recovery &key…"))
        self.recovery_button.setToolTip(self.tr(
            "Issue a new recovery key; the current one stops working."))
        buttons = QHBoxLayout()
        for b in (self.add_button, self.edit_button, self.active_button, self.reset_button,
                  self.supervision_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.recovery_button)

        # Deactivating stops a colleague's password at once: ask, but without a modal box.
        self.confirm_bar = ConfirmBar(self.tr("Yes, deactivate"))
        self.supervision_bar = SupervisionBar()
        self.key_bar = KeyBar(self.ws)

        self.info = InfoLabel()
        self.error = ErrorLabel()
        lay = QVBoxLayout(self)
        lay.addLayout(buttons)
        lay.addWidget(self.confirm_bar)
        lay.addWidget(self.key_bar)
        lay.addWidget(self.supervision_bar)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.info)
        lay.addWidget(self.error)

    def _connect_signals(self) -> None:
        self.add_button.clicked.connect(self._on_add)
        self.edit_button.clicked.connect(self._on_edit)
        self.table.doubleClicked.connect(self._on_edit)
        self.active_button.clicked.connect(self._on_active)
        self.reset_button.clicked.connect(self._on_reset)
        self.confirm_bar.confirm_button.clicked.connect(self._on_confirm_deactivate)
        self.supervision_button.clicked.connect(self._on_supervision)
        self.supervision_bar.save_button.clicked.connect(self._on_supervision_save)
        self.recovery_button.clicked.connect(self._on_new_recovery)
        self.key_bar.finished.connect(self._say)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)

    # -- data ------------------------------------------------------------------------------
    def refresh(self) -> None:
        selected = self.selected()
        rows = attempt(lambda: users.list_users(self.ws), self._fail)
        if rows is None:
            return
        self._names = {u.id: u.display_name for u in rows}
        self.model.set_rows(rows)
        if selected is not None and (row := self.model.row_of_id(selected.id)) >= 0:
            self.table.selectRow(row)
        self._update_buttons()

    def selected(self) -> UserView | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def select_login(self, login: str) -> None:
        for i, u in enumerate(self.model.rows()):
            if u.login == login:
                self.table.selectRow(i)

    def _fail(self, error: BaseException) -> None:
        self.error.setText(user_message(error))

    def _say(self, text: str) -> None:
        self.error.setText("")
        self.info.setText(text)

    def _update_buttons(self) -> None:
        user = self.selected()
        for b in (self.edit_button, self.active_button, self.reset_button):
            b.setEnabled(user is not None)
        self.reset_button.setEnabled(user is not None and user.active)
        # Admins do not sign clinical notes, so they have no supervision to set.
        self.supervision_button.setEnabled(user is not None and user.role != "admin")
        self.active_button.setText(self.tr("Re&activate…") if user and not user.active
                                   else self.tr("&Deactivate"))
        self.confirm_bar.hide()
        if user is None or user.id != self.supervision_bar.user_id:
            self.supervision_bar.hide()

    # -- dialogs ---------------------------------------------------------------------------
    def _open(self, dialog: UserForm | PasswordForm, on_save: Callable[[], None]) -> None:
        self.error.setText("")
        self.info.setText("")
        self.open_form(dialog, on_save)

    def _on_add(self) -> None:
        self._open(UserForm(None, self), self._on_user_save)

    def _on_edit(self) -> None:
        user = self.selected()
        if user is not None:
            self._open(UserForm(user, self), self._on_user_save)

    def _on_user_save(self) -> None:
        form = self.dialog
        if not isinstance(form, UserForm) or (form.user_id is None
                                              and not form.passwords_match()):
            return
        draft, uid, password = form.draft(), form.user_id, form.password.text()
        saved = submit(form, lambda: users.add_user(self.ws, draft, password) if uid is None
                       else users.update_user(self.ws, uid, draft))
        if saved is None:
            return
        self.refresh()
        self.select_login(saved.login)
        self._say(self.tr("✓ Saved the account {0}.").format(saved.login))

    def _on_reset(self) -> None:
        user = self.selected()
        if user is not None:
            self._open(PasswordForm(user, False, self), self._on_password)

    def _on_active(self) -> None:
        user = self.selected()
        if user is None:
            return
        if user.active:
            self.confirm_bar.ask(self.tr(
                "Deactivate {0}? Their password stops working at once; you can reactivate the "
                "account later with a new password.").format(user.display_name))
        else:
            self._open(PasswordForm(user, True, self), self._on_password)

    def _on_password(self) -> None:
        form = self.dialog
        if not isinstance(form, PasswordForm) or not form.passwords_match():
            return
        uid, password = form.user_id, form.password.text()
        reactivate = form.reactivate

        def apply() -> bool:  # reset_password returns nothing: success is "no error"
            if reactivate:
                users.set_active(self.ws, uid, True, password)
            else:
                users.reset_password(self.ws, uid, password)
            return True

        if submit(form, apply) is None:
            return
        self.refresh()
        self._say(self.tr("✓ Account reactivated.") if reactivate
                  else self.tr("✓ Password reset."))

    def _on_confirm_deactivate(self) -> None:
        user = self.selected()
        self.confirm_bar.hide()
        if user is None:
            return
        done = attempt(lambda: users.set_active(self.ws, user.id, False), self._fail)
        if done is not None:
            self.refresh()
            self._say("")
            # Offered at once: until the rotation, a copy of the key file still opens the data.
            self.key_bar.offer_rotation(user.login)

    def _on_new_recovery(self) -> None:
        self.confirm_bar.hide()
        self._say("")
        self.key_bar.offer_new_recovery()

    def _on_supervision(self) -> None:
        user = self.selected()
        if user is not None:
            self._say("")
            self.supervision_bar.open_for(user, [u for u in self.model.rows()
                                                 if u.role == "supervisor"])

    def _on_supervision_save(self) -> None:
        bar = self.supervision_bar
        if bar.user_id is None:
            return
        requires, supervisor = bar.values()
        uid = bar.user_id
        saved = attempt(lambda: users.set_supervision(self.ws, uid, requires, supervisor),
                        lambda e: bar.error.setText(user_message(e)))
        if saved is None:
            return  # the bar stays open with what was chosen and the message
        bar.hide()
        self.refresh()
        self._say(self.tr("✓ Saved supervision for {0}.").format(saved.display_name))
