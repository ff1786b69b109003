"""The Models view and the first-run screen: what this machine can run, and getting a model onto it.

Everything slow (probing, planning, reading GGUF headers, downloads, copies) runs through
desktop.ui.tasks; widgets only change on the UI thread, from its callbacks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QFileDialog, QFormLayout, QFrame, QGroupBox, QHBoxLayout, QLabel, QMessageBox, QProgressBar, QPushButton,
    QScrollArea, QVBoxLayout, QWidget,
)
from shiboken6 import isValid

from desktop.context import AppContext
from desktop.core import hardware
from desktop.core.catalog import CHAT, CHAT_ARCHITECTURES, EMBEDDING, Catalog, CatalogEntry, InstalledModel
from desktop.core.errors import UserError
from desktop.core.hardware import Machine, format_bytes, format_gib
from desktop.core.jobs import CancelToken, Cancelled, Progress
from desktop.core.planner import Plan, plan_for_shape
from desktop.ui.tasks import ProgressRelay, run_in_background

# Badge colours per verdict; text stays readable on light and dark palettes.
_BADGE = {"fits on GPU": "#2e7d32", "partly offloaded": "#b26a00", "CPU only": "#1565c0", "won't fit": "#c62828"}
_CANCELLED = object()


@dataclass(frozen=True)
class Survey:
    """The machine and a verdict per model, computed off the UI thread."""

    machine: Machine
    plans: dict[str, Plan | None]  # by catalog name / file name; None = unknown
    kinds: dict[str, str]  # imported files: CHAT or EMBEDDING, from their headers


def survey(ctx: AppContext, catalog: Catalog, probe: Callable[[], Machine]) -> Survey:
    machine = probe()
    plans: dict[str, Plan | None] = {}
    kinds: dict[str, str] = {}
    for entry in catalog.entries:
        shape = catalog.shape(entry)
        plans[entry.name] = plan_for_shape(shape, machine, ctx.settings.model) if shape else None
    for model in catalog.installed():
        if model.entry is None:
            try:
                shape = catalog.shapes.get(model.path)
            except (UserError, OSError):
                plans[model.name] = None
                continue
            plans[model.name] = plan_for_shape(shape, machine, ctx.settings.model)
            kinds[model.name] = CHAT if shape.architecture in CHAT_ARCHITECTURES else EMBEDDING
    return Survey(machine, plans, kinds)


def fit_badge(plan: Plan | None) -> QLabel:
    badge = QLabel()
    set_badge(badge, plan)
    return badge


def set_badge(badge: QLabel, plan: Plan | None) -> None:
    badge.setText(plan.label if plan else "fit unknown")
    badge.setToolTip(plan.summary + ("\n" + "\n".join(plan.notes) if plan.notes else "") if plan else
                     "Its size is not known yet: check sizes online.")
    colour = _BADGE.get(plan.verdict.value, "#757575") if plan else "#757575"
    badge.setStyleSheet(f"QLabel {{ color: {colour}; border: 1px solid {colour}; border-radius: 8px; "
                        "padding: 1px 8px; font-weight: 600; }")


class DownloadControl(QWidget):
    """Download / Cancel for one catalog entry, with a progress bar and bytes, speed and time left."""

    sig_finished = Signal(str)  # path of the verified file
    sig_changed = Signal()  # started, paused, failed or finished

    def __init__(self, catalog: Catalog, entry: CatalogEntry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.catalog, self.entry = catalog, entry
        self._cancel: CancelToken | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.button = QPushButton()
        self.button.setAccessibleName(f"Download {entry.title}")
        self.button.clicked.connect(self._clicked)
        self.status = QLabel()
        self.status.setWordWrap(True)
        row.addWidget(self.button)
        row.addWidget(self.status, 1)
        layout.addLayout(row)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.bar.hide()
        layout.addWidget(self.bar)
        self.relay = ProgressRelay(self)
        self.relay.sig_progress.connect(self._on_progress)
        self.destroyed.connect(self._cancel_quietly)
        self.refresh()

    @property
    def running(self) -> bool:
        return self._cancel is not None

    def refresh(self) -> None:
        if self.running:
            return
        partial = self.catalog.partial_bytes(self.entry)
        self.button.setText("Resume" if partial else "Download")
        self.button.setEnabled(True)
        size = self.catalog.size_bytes(self.entry)
        self.status.setText(f"Paused at {format_bytes(partial)} of {format_bytes(size)}" if partial
                            else f"{format_bytes(size)} download" if size else "size unknown until the download starts")

    def start(self) -> None:
        if self.running:
            return
        token = self._cancel = CancelToken()
        self.button.setText("Cancel")
        self.button.setAccessibleName(f"Cancel download of {self.entry.title}")
        self.status.setText("Contacting the model hub…")
        self.bar.setValue(0)
        self.bar.show()
        self.sig_changed.emit()

        def work() -> Any:
            try:
                return self.catalog.download(self.entry, cancel=token, on_progress=self.relay.report)
            except Cancelled:
                return _CANCELLED

        run_in_background(work, on_done=self._done, on_failed=self._failed)

    def cancel(self) -> None:
        if self._cancel is not None:
            self._cancel.cancel()
            self.button.setEnabled(False)
            self.status.setText("Stopping after the current chunk…")

    def _clicked(self) -> None:
        self.cancel() if self.running else self.start()

    def _on_progress(self, progress: Progress) -> None:
        if isValid(self) and self.running:
            self.bar.setValue(int((progress.fraction or 0.0) * 1000))
            self.status.setText(progress.message)

    def _done(self, result: Any) -> None:
        if not isValid(self):
            return
        self._finish()
        if result is _CANCELLED:
            self.refresh()
        else:
            self.status.setText("Downloaded and verified")
            self.sig_finished.emit(str(result))
        self.sig_changed.emit()

    def _failed(self, message: str) -> None:
        if not isValid(self):
            return
        self._finish()
        self.refresh()
        self.status.setText(message)
        self.sig_changed.emit()

    def _finish(self) -> None:
        self._cancel = None
        self.bar.hide()
        self.button.setAccessibleName(f"Download {self.entry.title}")

    def _cancel_quietly(self) -> None:
        # A view closed mid-download stops it; the partial file stays for the next time.
        if self._cancel is not None:
            self._cancel.cancel()


class _MachineBox(QGroupBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("This machine", parent)
        self.form = QFormLayout(self)
        self.labels: dict[str, QLabel] = {}
        for key in ("RAM", "GPU", "Unified memory", "Backend", "Disk"):
            label = QLabel("…")
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.labels[key] = label
            self.form.addRow(key, label)

    def show_machine(self, machine: Machine, models_dir: Path) -> None:
        self.labels["RAM"].setText(f"{format_gib(machine.ram_total_bytes)} "
                                   f"({format_gib(machine.ram_available_bytes)} free now)")
        self.labels["GPU"].setText("; ".join(
            f"{g.name}: {format_gib(g.vram_total_bytes)} VRAM ({format_gib(g.vram_free_bytes)} free)"
            for g in machine.gpus) or ("Apple GPU (shares RAM)" if machine.unified_memory else "none found"))
        um = machine.unified_memory
        self.labels["Unified memory"].setText(
            "no" if um is None else f"yes: the GPU may use {format_gib(um.gpu_budget_bytes)} of "
            f"{format_gib(um.total_bytes)}" + (" (estimated)" if um.working_set_bytes is None else ""))
        backend = machine.backend.name + ("" if machine.backend.gpu_offload else " (this build runs on the CPU only)")
        self.labels["Backend"].setText(backend)
        self.labels["Disk"].setText(f"{format_bytes(machine.disk_free_bytes)} free for models")
        self.setToolTip("\n".join(machine.notes) + f"\nModels folder: {models_dir}")


class _ModelRow(QFrame):
    """One model: name, what it is, fit badge, and Download / Use / Remove."""

    def __init__(self, view: ModelsView, name: str, title: str, description: str,
                 entry: CatalogEntry | None, installed: InstalledModel | None) -> None:
        super().__init__()
        self.setObjectName("modelRow")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.name, self.entry, self.installed = name, entry, installed
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        heading = QLabel(f"<b>{title}</b>" + (" · recommended" if entry and entry.recommended else ""))
        top.addWidget(heading, 1)
        self.badge = fit_badge(None)
        top.addWidget(self.badge)
        layout.addLayout(top)
        about = QLabel(description)
        about.setWordWrap(True)
        layout.addWidget(about)
        actions = QHBoxLayout()
        self.download: DownloadControl | None = None
        if installed is None and entry is not None:
            self.download = DownloadControl(view.catalog, entry, self)
            self.download.sig_finished.connect(lambda _path: view.reload())
            actions.addWidget(self.download, 1)
        else:
            where = QLabel(f"Installed · {format_bytes(installed.size_bytes)}" if installed else "")
            actions.addWidget(where, 1)
            usable = entry.usable if entry else True
            self.use_button = QPushButton("Use")
            self.use_button.setEnabled(usable)
            self.use_button.setAccessibleName(f"Use {title}")
            self.use_button.clicked.connect(lambda: view.use(self))
            self.remove_button = QPushButton("Remove…")
            self.remove_button.setAccessibleName(f"Remove {title}")
            self.remove_button.clicked.connect(lambda: view.remove(self))
            actions.addWidget(self.use_button)
            actions.addWidget(self.remove_button)
        layout.addLayout(actions)


class ModelsView(QWidget):
    """This machine above the catalog, each model with its fit, Download, Use and Remove.

    Signals:
        sig_model_chosen(str): the user picked "Use" on a chat model (its path).
        sig_embedding_chosen(str): the same for an embedding model.
        sig_models_changed(): a model was downloaded, imported or removed.
    """

    sig_model_chosen = Signal(str)
    sig_embedding_chosen = Signal(str)
    sig_models_changed = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *,
                 probe: Callable[[], Machine] | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.catalog = Catalog(ctx.paths.models_dir, ctx.paths.cache_dir)
        self._probe = probe or (lambda: hardware.probe(ctx.paths.models_dir))
        self.survey_result: Survey | None = None
        self.rows: dict[str, _ModelRow] = {}
        # Replaceable in tests: dialogs block.
        self.confirm: Callable[[str, str], bool] = self._confirm_dialog
        self.choose_import_mode: Callable[[Path], str | None] = self._import_mode_dialog
        self.setAcceptDrops(True)

        layout = QVBoxLayout(self)
        self.machine_box = _MachineBox(self)
        layout.addWidget(self.machine_box)
        buttons = QHBoxLayout()
        self.import_button = QPushButton("Import GGUF…")
        self.import_button.clicked.connect(self._import_dialog)
        self.refresh_button = QPushButton("Check sizes online")
        self.refresh_button.setToolTip("Ask the model hub for file sizes and checksums")
        self.refresh_button.clicked.connect(self.refresh_sizes)
        self.message = QLabel()
        self.message.setWordWrap(True)
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.refresh_button)
        buttons.addWidget(self.import_button)
        layout.addLayout(buttons)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        self._list = QWidget()
        self._list_layout = QVBoxLayout(self._list)
        self._list_layout.addStretch(1)
        scroll.setWidget(self._list)
        layout.addWidget(scroll, 1)
        self.reload()

    # -- building ------------------------------------------------------------------------------
    def reload(self) -> None:
        """Rebuild the rows from the folder and catalog (keeping running downloads), then re-plan."""
        installed = {m.name: m for m in self.catalog.installed()}
        wanted: list[tuple[str, str, str, CatalogEntry | None, InstalledModel | None]] = [
            (e.name, e.title, e.description, e, installed.get(e.name)) for e in self.catalog.entries]
        wanted += [(m.name, m.name, str(m.path), None, m) for m in installed.values() if m.entry is None]
        for name in list(self.rows):
            row = self.rows[name]
            keep = row.download is not None and row.download.running
            still = next((w for w in wanted if w[0] == name), None)
            if keep or (still and (still[4] is None) == (row.installed is None)):
                continue
            self.rows.pop(name).deleteLater()
        for position, (name, title, description, entry, model) in enumerate(wanted):
            if name not in self.rows:
                self.rows[name] = _ModelRow(self, name, title, description, entry, model)
            self._list_layout.insertWidget(position, self.rows[name])
        self._survey()

    def _survey(self) -> None:
        run_in_background(lambda: survey(self.ctx, self.catalog, self._probe),
                          on_done=self._show_survey, on_failed=self._show_message)

    def _show_survey(self, result: Survey) -> None:
        if not isValid(self):
            return
        self.survey_result = result
        self.machine_box.show_machine(result.machine, self.ctx.paths.models_dir)
        for name, row in self.rows.items():
            set_badge(row.badge, result.plans.get(name))

    def _show_message(self, message: str) -> None:
        if isValid(self):
            self.message.setText(message)

    # -- actions -------------------------------------------------------------------------------
    def refresh_sizes(self) -> None:
        self.refresh_button.setEnabled(False)
        self.message.setText("Asking the model hub…")

        def done(problems: list[str]) -> None:
            if not isValid(self):
                return
            self.refresh_button.setEnabled(True)
            self.message.setText(problems[0] if problems else "Sizes and checksums are up to date.")
            for row in self.rows.values():
                if row.download is not None:
                    row.download.refresh()
            self._survey()

        run_in_background(self.catalog.refresh, on_done=done, on_failed=self._show_message)

    def use(self, row: _ModelRow) -> None:
        if row.installed is None:
            return
        path = str(row.installed.path)
        if row.entry is not None:
            kind = row.entry.kind
        elif self.survey_result and row.name in self.survey_result.kinds:
            kind = self.survey_result.kinds[row.name]
        else:  # asked before the survey finished: read the header now (it is cached)
            kind = CHAT if self.catalog.shapes.get(row.installed.path).architecture in CHAT_ARCHITECTURES else EMBEDDING
        (self.sig_model_chosen if kind == CHAT else self.sig_embedding_chosen).emit(path)

    def remove(self, row: _ModelRow) -> None:
        model = row.installed
        if model is None:
            return
        size = "the link only" if model.path.is_symlink() else format_bytes(model.size_bytes)
        if not self.confirm("Remove model", f"Delete {model.path.name} ({size})? You can download it again later."):
            return
        try:
            freed = self.catalog.remove(model)
        except OSError as exc:
            self.message.setText(f"Could not remove {model.path.name}: {exc.strerror or exc}")
            return
        self.message.setText(f"Removed {model.path.name}" + (f", {format_bytes(freed)} freed." if freed else "."))
        self.reload()
        self.sig_models_changed.emit()

    def import_paths(self, paths: list[Path]) -> None:
        for path in paths:
            mode = self.choose_import_mode(path)
            if mode is None:
                continue
            self.message.setText(f"Importing {path.name}…")
            run_in_background(lambda p=path, m=mode: self.catalog.import_file(p, link=m == "link"),
                              on_done=self._imported, on_failed=self._show_message)

    def _imported(self, path: Path) -> None:
        if not isValid(self):
            return
        self.message.setText(f"Imported {Path(path).name}.")
        self.reload()
        self.sig_models_changed.emit()

    def _import_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import a GGUF model", str(Path.home()),
                                              "GGUF models (*.gguf);;All files (*)")
        if path:
            self.import_paths([Path(path)])

    # -- dialogs (replaced in tests) -----------------------------------------------------------
    def _confirm_dialog(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def _import_mode_dialog(self, path: Path) -> str | None:
        box = QMessageBox(QMessageBox.Icon.Question, "Import model",
                          f"Copy {path.name} into the app's models folder, or link to it where it is?", parent=self)
        copy = box.addButton("Copy", QMessageBox.ButtonRole.AcceptRole)
        link = box.addButton("Link", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return "copy" if box.clickedButton() is copy else "link" if box.clickedButton() is link else None

    # -- drag and drop -------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if any(url.toLocalFile().lower().endswith(".gguf") for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.import_paths(paths)


class FirstRunView(QWidget):
    """Shown when no chat model is installed: what fits here, one Download, or bring your own file.

    Signals:
        sig_model_chosen(str): the recommended model finished downloading (its path).
        sig_open_file_requested(): "I already have a GGUF file".
        sig_show_models_requested(): "More models…".
    """

    sig_model_chosen = Signal(str)
    sig_open_file_requested = Signal()
    sig_show_models_requested = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *,
                 probe: Callable[[], Machine] | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.catalog = Catalog(ctx.paths.models_dir, ctx.paths.cache_dir)
        self.entry = self.catalog.recommended(CHAT)
        self._probe = probe or (lambda: hardware.probe(ctx.paths.models_dir))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 36, 48, 36)
        layout.setSpacing(12)
        title = QLabel("<h2>Choose a model to chat with</h2>")
        layout.addWidget(title)
        intro = QLabel("Everything runs on this computer. The model is downloaded once; after that no network "
                       "is needed.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.fits = QLabel("Checking what this machine can run…")
        self.fits.setWordWrap(True)
        self.fits.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.fits)
        recommended = QLabel(f"<b>{self.entry.title}</b> — {self.entry.description}")
        recommended.setWordWrap(True)
        layout.addWidget(recommended)
        self.badge = fit_badge(None)
        layout.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignLeft)
        self.details = QLabel()  # the numbers behind the badge, and any warning
        self.details.setWordWrap(True)
        layout.addWidget(self.details)
        self.download = DownloadControl(self.catalog, self.entry, self)
        self.download.sig_finished.connect(self.sig_model_chosen)
        layout.addWidget(self.download)
        others = QHBoxLayout()
        self.open_button = QPushButton("I already have a GGUF file…")
        self.open_button.clicked.connect(self.sig_open_file_requested)
        self.more_button = QPushButton("More models…")
        self.more_button.clicked.connect(self.sig_show_models_requested)
        others.addWidget(self.open_button)
        others.addWidget(self.more_button)
        others.addStretch(1)
        layout.addLayout(others)
        layout.addStretch(1)
        run_in_background(lambda: survey(ctx, self.catalog, self._probe), on_done=self._show_survey,
                          on_failed=lambda message: self.fits.setText(message) if isValid(self) else None)

    def _show_survey(self, result: Survey) -> None:
        if not isValid(self):
            return
        machine = result.machine
        gpu = (", ".join(g.name for g in machine.gpus) or
               ("Apple GPU with shared memory" if machine.unified_memory else "no GPU llama.cpp can use"))
        lines = [f"This machine: {format_gib(machine.ram_total_bytes)} RAM, {gpu}."]
        for entry in self.catalog.entries:
            plan = result.plans.get(entry.name)
            if entry.kind == CHAT and entry.usable and plan is not None:
                lines.append(f"• {entry.title}: {plan.label}")
        self.fits.setText("<br>".join(lines))
        plan = result.plans.get(self.entry.name)
        set_badge(self.badge, plan)
        if plan is not None:
            self.details.setText("\n".join([plan.summary, *plan.notes]))
