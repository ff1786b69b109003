"""The Models view and the first-run screen: what this machine can run, and getting a model onto it.

Everything slow (probing, planning, measuring memory speed, reading GGUF headers, downloads,
copies) runs through desktop.ui.tasks; widgets only change on the UI thread, from its callbacks.
Downloads belong to a `DownloadJobs` the window builds once and passes to both views, so the
first-run screen and the Models view show the same download of a file, never two.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from desktop.context import AppContext
from desktop.core import bandwidth, hardware
from desktop.core.catalog import (
    APPROXIMATE,
    CHAT,
    CHAT_ARCHITECTURES,
    COMPUTED,
    EMBEDDING,
    Catalog,
    CatalogEntry,
    InstalledModel,
)
from desktop.core.errors import UserError
from desktop.core.gpu_build import GpuBuildAdvice, advise
from desktop.core.hardware import Machine, format_bytes, format_gib
from desktop.core.jobs import Progress
from desktop.core.planner import ModelShape, Plan, estimate_tokens_per_s, plan_for_shape
from desktop.ui.download_jobs import DownloadJob, DownloadJobs
from desktop.ui.first_paint import after_first_paint
from desktop.ui.first_run_greeting import greeting_column
from desktop.ui.gpu_notice import GpuBuildNotice
from desktop.ui.tasks import run_in_background
from desktop.ui.theme import READING_WIDTH, SPACE_L, SPACE_M, SPACE_S, SPACE_XL, SPACE_XS, centred, is_dark

# Badge colours per verdict, per theme: at least 4.5:1 against the window in each.
_BADGE = {"fits on GPU": "#2e7d32", "partly offloaded": "#8a5300", "CPU only": "#1565c0", "won't fit": "#c62828"}
_BADGE_DARK = {"fits on GPU": "#81c784", "partly offloaded": "#ffb74d", "CPU only": "#90caf9", "won't fit": "#ef9a9a"}
_CONTEXT = "ModelsView"


def _tr(text: str) -> str:
    return QCoreApplication.translate(_CONTEXT, text)


@dataclass(frozen=True)
class Fit:
    """One model on this machine: the planner's verdict and the estimated decode speed."""

    plan: Plan
    tokens_per_s: float | None  # planner.estimate_tokens_per_s; None where it does not apply


@dataclass(frozen=True)
class Survey:
    """The machine and a fit per model, computed off the UI thread."""

    machine: Machine
    fits: dict[str, Fit | None]  # by catalog name / file name; None = unknown
    kinds: dict[str, str]  # imported files: CHAT or EMBEDDING, from their headers
    gpu_build: GpuBuildAdvice | None = None  # a GPU this build cannot use, and what a GPU build gives

    @property
    def plans(self) -> dict[str, Plan | None]:
        return {name: fit.plan if fit else None for name, fit in self.fits.items()}


def survey(ctx: AppContext, catalog: Catalog, probe: Callable[[], Machine]) -> Survey:
    machine = probe()
    ram_bw = bandwidth.ram_read_bandwidth()
    gpu_bw = bandwidth.gpu_bandwidth(machine)

    def fit(shape: ModelShape) -> Fit:
        plan = plan_for_shape(shape, machine, ctx.settings.model)
        speed = estimate_tokens_per_s(shape, plan, ram_bandwidth=ram_bw, gpu_bandwidth=gpu_bw)
        return Fit(plan, speed)

    fits: dict[str, Fit | None] = {}
    kinds: dict[str, str] = {}
    for entry in catalog.entries:
        shape = catalog.shape(entry)
        fits[entry.name] = fit(shape) if shape else None
    for model in catalog.installed():
        if model.entry is None:
            try:
                shape = catalog.shapes.get(model.path)
            except (UserError, OSError):
                fits[model.name] = None
                continue
            fits[model.name] = fit(shape)
            kinds[model.name] = CHAT if shape.architecture in CHAT_ARCHITECTURES else EMBEDDING
    return Survey(machine, fits, kinds, _gpu_build(ctx, catalog, machine, ram_bw))


def _gpu_build(ctx: AppContext, catalog: Catalog, machine: Machine, ram_bw: float) -> GpuBuildAdvice | None:
    """Advice for a GPU this build cannot use, estimated for the recommended chat model."""
    if machine.backend.gpu_offload or not machine.gpus:
        return None
    entry = next((e for e in catalog.entries if e.kind == CHAT and e.usable and e.recommended), None)
    shape = catalog.shape(entry) if entry else None
    return advise(machine, shape, ctx.settings.model, ram_bandwidth=ram_bw,
                  gpu_bandwidth=bandwidth.nvidia_bandwidth(machine))


# --- words for numbers --------------------------------------------------------------------------

def size_text(size: int | None, basis: str) -> str:
    """'about 12.1 GB' for a rounded or computed size; the exact size once the Hub or disk says."""
    if size is None:
        return _tr("size unknown")
    if basis == APPROXIMATE:
        return _tr("about {size}").format(size=format_bytes(size))
    if basis == COMPUTED:
        return _tr("about {size} (computed)").format(size=format_bytes(size))
    return format_bytes(size)


def size_tooltip(basis: str, source: str) -> str:
    if basis == APPROXIMATE:
        return _tr("As the publisher's page states it, rounded: {source}").format(source=source)
    if basis == COMPUTED:
        return _tr("Computed from the model's shape (its tensors; the file's header adds a few MB). "
                   "Model page: {source}").format(source=source)
    return _tr("The exact size, from the model hub or the file on disk.")


def needs_text(plan: Plan) -> str:
    """'needs 13 GB of RAM' (and the GPU's share), rounded up: memory is bought in whole GB."""
    ram = _tr("needs {n} GB of RAM").format(n=math.ceil(plan.ram_bytes / 1e9))
    if plan.gpu_bytes:
        return _tr("{ram} and {gpu} GB of GPU memory").format(ram=ram, gpu=math.ceil(plan.gpu_bytes / 1e9))
    return ram


def speed_text(tokens_per_s: float | None) -> str:
    if tokens_per_s is None:
        return ""
    rounded = f"{tokens_per_s:,.0f}" if tokens_per_s >= 10 else f"{tokens_per_s:.1f}"
    return _tr("estimated ~{n} tok/s here").format(n=rounded)


def speed_how() -> str:
    return _tr("Estimate: memory bandwidth divided by the bytes one token reads (the weights it passes "
               "through and the chat so far). RAM speed is measured here; GPU speed comes from the driver.")


def fit_badge(plan: Plan | None) -> QLabel:
    badge = QLabel()
    set_badge(badge, plan)
    return badge


def set_badge(badge: QLabel, plan: Plan | None) -> None:
    badge.setText(plan.label if plan else _tr("fit unknown"))
    badge.setAccessibleName(_tr("Fit: {label}").format(label=badge.text()))
    badge.setToolTip(plan.summary + ("\n" + "\n".join(plan.notes) if plan.notes else "") if plan else
                     _tr("Its size is not known: check sizes online."))
    colours = _BADGE_DARK if is_dark() else _BADGE
    grey = "#b0b3b8" if is_dark() else "#5f6368"
    colour = colours.get(plan.verdict.value, grey) if plan else grey
    badge.setStyleSheet(f"QLabel {{ color: {colour}; border: 1px solid {colour}; border-radius: 8px; "
                        "padding: 1px 8px; font-weight: 600; }")


class Notice(QFrame):
    """A message that stands out: a tinted box with a bold first line (offline, errors, done)."""

    INFO, ERROR = "info", "error"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notice")
        self.setAccessibleName(self.tr("Notice"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.label, 1)
        self._kind = self.INFO
        self.hide()

    def show_message(self, text: str, kind: str = INFO) -> None:
        self._kind = kind
        self.label.setText(text)
        self.label.setAccessibleDescription(text)
        self._style()
        self.setVisible(bool(text))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.ApplicationPaletteChange:  # the theme changed (not our own style sheet)
            self._style()
        super().changeEvent(event)

    def _style(self) -> None:
        dark = is_dark()
        if self._kind == self.ERROR:
            background, border, text = ("#4a1f1f", "#e57373", "#ffe9e9") if dark else ("#fdecea", "#c62828", "#5f1212")
        else:
            background, border, text = ("#1d3350", "#8ab4ff", "#e8f0ff") if dark else ("#e8f0fe", "#1a5fd0", "#0d2a5c")
        self.setStyleSheet(f"QFrame#notice {{ background: {background}; border: 1px solid {border}; "
                           f"border-radius: 6px; }} QFrame#notice QLabel {{ color: {text}; }}")


class DownloadControl(QWidget):
    """Download / Cancel for one catalog entry, mirroring its shared job: bar, bytes, speed, time left."""

    sig_finished = Signal(str)  # path of the verified file

    def __init__(self, job: DownloadJob, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job = job
        self.catalog, self.entry = job.catalog, job.entry
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.button = QPushButton()
        self.button.clicked.connect(self._clicked)
        self.status = QLabel()
        self.status.setWordWrap(True)
        row.addWidget(self.button)
        row.addWidget(self.status, 1)
        layout.addLayout(row)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.bar.setAccessibleName(self.tr("Download progress of {title}").format(title=self.entry.title))
        self.bar.hide()
        layout.addWidget(self.bar)
        self.error = Notice(self)
        layout.addWidget(self.error)
        job.sig_progress.connect(self._on_progress)
        job.sig_changed.connect(self.refresh)
        job.sig_finished.connect(self._finished)
        self.refresh()

    @property
    def running(self) -> bool:
        return self.job.running

    def start(self) -> None:
        self.job.start()

    def cancel(self) -> None:
        self.job.cancel()

    def refresh(self) -> None:
        if not isValid(self):
            return
        job = self.job
        if job.running:
            self.button.setText(self.tr("Cancel"))
            self.button.setAccessibleName(self.tr("Cancel download of {title}").format(title=self.entry.title))
            self.button.setEnabled(not job.stopping)
            self.bar.show()
            self.error.show_message("")
            if job.stopping:
                self.status.setText(self.tr("Stopping after the current chunk…"))
            elif job.last_progress is not None:
                self._on_progress(job.last_progress)
            else:
                self.bar.setValue(0)
                self.status.setText(self.tr("Contacting the model hub…"))
            return
        self.bar.hide()
        partial = self.catalog.partial_bytes(self.entry)
        self.button.setEnabled(True)
        self.button.setText(self.tr("Resume") if partial else self.tr("Download"))
        self.button.setAccessibleName(self.tr("Download {title}").format(title=self.entry.title))
        size, basis = self.catalog.size_info(self.entry)
        if partial:
            self.status.setText(self.tr("Paused at {done} of {total}").format(
                done=format_bytes(partial), total=size_text(size, basis)))
        else:
            self.status.setText(self.tr("{size} download").format(size=size_text(size, basis)))
        self.status.setToolTip(size_tooltip(basis, self.entry.size_source))
        self.error.show_message(job.error or "", Notice.ERROR)

    def _clicked(self) -> None:
        self.cancel() if self.running else self.start()

    def _on_progress(self, progress: Progress) -> None:
        if isValid(self) and self.running and not self.job.stopping:
            self.bar.setValue(int((progress.fraction or 0.0) * 1000))
            self.status.setText(progress.message)

    def _finished(self, path: str) -> None:
        if isValid(self):
            self.status.setText(self.tr("Downloaded and verified"))
            self.sig_finished.emit(path)


class _MachineBox(QFrame):
    """This machine as a compact card: each fact a small caption over its value, three to a row."""

    COLUMNS = 3

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("machineCard")
        self.setAccessibleName(self.tr("This machine"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(SPACE_L, SPACE_M, SPACE_L, SPACE_M)
        layout.setSpacing(SPACE_S)
        title = QLabel(self.tr("This machine"))
        title.setObjectName("modelTitle")
        layout.addWidget(title)
        grid = QGridLayout()
        grid.setHorizontalSpacing(SPACE_XL)
        grid.setVerticalSpacing(SPACE_S)
        layout.addLayout(grid)
        self.labels: dict[str, QLabel] = {}
        names = {"RAM": self.tr("RAM"), "GPU": self.tr("GPU"), "Disk": self.tr("Disk"),
                 "Backend": self.tr("Backend"), "Unified memory": self.tr("Unified memory")}
        for position, (key, shown) in enumerate(names.items()):
            caption = QLabel(shown)
            caption.setObjectName("machineKey")
            label = QLabel("…")
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setAccessibleName(shown)
            self.labels[key] = label
            fact = QVBoxLayout()
            fact.setSpacing(0)
            fact.addWidget(caption)
            fact.addWidget(label)
            fact.addStretch(1)
            grid.addLayout(fact, position // self.COLUMNS, position % self.COLUMNS)
        for column in range(self.COLUMNS):
            grid.setColumnStretch(column, 1)

    def show_machine(self, machine: Machine, models_dir: Path) -> None:
        self.labels["RAM"].setText(self.tr("{total} ({free} free now)").format(
            total=format_gib(machine.ram_total_bytes), free=format_gib(machine.ram_available_bytes)))
        gpus = "; ".join(self.tr("{name}: {total} VRAM ({free} free)").format(
            name=g.name, total=format_gib(g.vram_total_bytes), free=format_gib(g.vram_free_bytes))
            for g in machine.gpus)
        self.labels["GPU"].setText(gpus or (self.tr("Apple GPU (shares RAM)") if machine.unified_memory
                                            else self.tr("none found")))
        um = machine.unified_memory
        self.labels["Unified memory"].setText(
            self.tr("no") if um is None else self.tr("yes: the GPU may use {budget} of {total}").format(
                budget=format_gib(um.gpu_budget_bytes), total=format_gib(um.total_bytes))
            + (self.tr(" (estimated)") if um.working_set_bytes is None else ""))
        backend = machine.backend.name + ("" if machine.backend.gpu_offload else
                                          self.tr(" (this build runs on the CPU only)"))
        self.labels["Backend"].setText(backend)
        self.labels["Disk"].setText(self.tr("{free} free for models").format(free=format_bytes(machine.disk_free_bytes)))
        self.setToolTip("\n".join(machine.notes) + "\n" + self.tr("Models folder: {path}").format(path=models_dir))


class _ModelRow(QFrame):
    """One model: name, size, fit badge, speed estimate, and Download / Use / Remove."""

    def __init__(self, view: ModelsView, name: str, title: str, description: str,
                 entry: CatalogEntry | None, installed: InstalledModel | None, in_use: bool) -> None:
        super().__init__()
        self.setObjectName("modelCard")
        self.setProperty("inUse", in_use)  # the card in use is edged in the accent (theme.py)
        self.setAccessibleName(title)
        self.name, self.entry, self.installed, self.in_use = name, entry, installed, in_use
        layout = QVBoxLayout(self)
        layout.setContentsMargins(SPACE_L, SPACE_M, SPACE_L, SPACE_M)
        layout.setSpacing(SPACE_XS)
        top = QHBoxLayout()
        top.setSpacing(SPACE_S)
        heading = QLabel(title)
        heading.setObjectName("modelTitle")
        heading.setTextFormat(Qt.TextFormat.PlainText)
        heading.setWordWrap(True)
        top.addWidget(heading, 1)
        self.tags = QLabel(" · ".join(t for t in (
            self.tr("in use") if in_use else "", self.tr("recommended") if entry and entry.recommended else "",
            self.tr("installed") if installed and not in_use else "") if t))
        self.tags.setObjectName("modelTag")  # a tinted pill
        self.tags.setAccessibleName(self.tr("Status of {title}").format(title=title))
        self.tags.setVisible(bool(self.tags.text()))
        top.addWidget(self.tags, 0, Qt.AlignmentFlag.AlignTop)
        self.badge = fit_badge(None)
        top.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)
        about = QLabel(description)
        about.setObjectName("modelAbout")
        about.setWordWrap(True)
        layout.addWidget(about)
        self.facts = QLabel()  # size · needs N GB · estimated speed
        self.facts.setWordWrap(True)
        self.facts.setAccessibleName(self.tr("Size, memory and speed of {title}").format(title=title))
        layout.addWidget(self.facts)
        layout.addSpacing(SPACE_XS)
        actions = QHBoxLayout()
        actions.setSpacing(SPACE_S)
        self.download: DownloadControl | None = None
        self.use_button: QPushButton | None = None
        self.remove_button: QPushButton | None = None
        if installed is None and entry is not None:
            self.download = DownloadControl(view.jobs.job(view.catalog, entry), self)
            self.download.sig_finished.connect(lambda _path: view.reload())
            actions.addWidget(self.download, 1)
        else:
            actions.addStretch(1)
            usable = entry.usable if entry else True
            self.use_button = QPushButton(self.tr("In use") if in_use else self.tr("Use"))
            self.use_button.setEnabled(usable and not in_use)
            self.use_button.setAccessibleName(self.tr("Use {title}").format(title=title))
            self.use_button.clicked.connect(lambda: view.use(self))
            self.remove_button = QPushButton(self.tr("Remove…"))
            self.remove_button.setAccessibleName(self.tr("Remove {title}").format(title=title))
            self.remove_button.clicked.connect(lambda: view.remove(self))
            actions.addWidget(self.use_button)
            actions.addWidget(self.remove_button)
        layout.addLayout(actions)
        self.show_fit(None, view.catalog)

    def show_fit(self, fit: Fit | None, catalog: Catalog) -> None:
        set_badge(self.badge, fit.plan if fit else None)
        if self.installed is not None:
            size, basis, source = self.installed.size_bytes, "file", ""
        elif self.entry is not None:
            (size, basis), source = catalog.size_info(self.entry), self.entry.size_source
        else:
            size, basis, source = None, "file", ""
        parts = [size_text(size, basis)]
        if fit is not None:
            parts.append(needs_text(fit.plan))
            if fit.tokens_per_s is not None:
                parts.append(speed_text(fit.tokens_per_s))
        self.facts.setText(" · ".join(parts))
        tips = [size_tooltip(basis, source)]
        if fit is not None and fit.tokens_per_s is not None:
            tips.append(speed_how())
        self.facts.setToolTip("\n".join(tips))


class ModelsView(QWidget):
    """This machine above the models (installed first), each with its fit, Download, Use and Remove.

    Signals:
        sig_model_chosen(str): the user picked "Use" on a chat model (its path).
        sig_embedding_chosen(str): the same for an embedding model.
        sig_models_changed(): a model was downloaded, imported or removed.
        sig_close_requested(): the Close button.
    """

    sig_model_chosen = Signal(str)
    sig_embedding_chosen = Signal(str)
    sig_models_changed = Signal()
    sig_close_requested = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *,
                 probe: Callable[[], Machine] | None = None, jobs: DownloadJobs | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.catalog = Catalog.for_window(ctx.paths.models_dir, ctx.paths.cache_dir)
        self.jobs = jobs if jobs is not None else DownloadJobs(self)
        self._probe = probe or (lambda: hardware.probe(ctx.paths.models_dir))
        self.survey_result: Survey | None = None
        self.rows: dict[str, _ModelRow] = {}
        self.setAcceptDrops(True)
        self.setAccessibleName(self.tr("Models"))

        self.machine_box = _MachineBox()
        self.notice = Notice()
        self.gpu_notice = GpuBuildNotice()
        self.refresh_button = QPushButton(self.tr("Check sizes online"))
        self.refresh_button.setToolTip(self.tr("Ask the model hub for exact file sizes and checksums"))
        self.refresh_button.setAccessibleName(self.tr("Check sizes online"))
        self.refresh_button.clicked.connect(self.refresh_sizes)
        self.import_button = QPushButton(self.tr("Import GGUF…"))
        self.import_button.setAccessibleName(self.tr("Import a GGUF model file"))
        self.import_button.clicked.connect(self._import_dialog)
        self.close_button = QPushButton(self.tr("Close"))
        self.close_button.setAccessibleName(self.tr("Close the Models view"))
        self.close_button.clicked.connect(self._close)
        self._list = QWidget()
        self._list_layout = QVBoxLayout(self._list)  # the model cards, then a stretch
        self._list_layout.setContentsMargins(0, 0, 0, 0)
        self._list_layout.setSpacing(SPACE_M)
        self._list_layout.addStretch(1)

        # One centred column (the chat's reading width) that scrolls as a whole: on a small window
        # the machine card scrolls away and leaves the models the room.
        column = QWidget()
        column.setObjectName("modelsColumn")
        layout = QVBoxLayout(column)
        layout.setContentsMargins(0, SPACE_XL, 0, SPACE_XL)
        layout.setSpacing(SPACE_L)
        layout.addLayout(self._header())
        for part in (self.machine_box, self.notice, self.gpu_notice, self._list):
            layout.addWidget(part)
        layout.addStretch(1)
        content = QWidget()
        centred(content, column, READING_WIDTH)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setAccessibleName(self.tr("Models list"))
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        if self.catalog.problem:
            self.notice.show_message(self.catalog.problem, Notice.ERROR)
        self.reload()

    def _header(self) -> QHBoxLayout:
        """The pane's title and what it is for, with its actions beside them."""
        title = QLabel(QCoreApplication.translate("MainWindow", "Models"))  # the rail's word for the pane
        title.setObjectName("paneTitle")
        subtitle = QLabel(self.tr("What this computer can run, and getting it here. Once downloaded, "
                                  "everything runs without a network."))
        subtitle.setObjectName("paneSubtitle")
        subtitle.setWordWrap(True)
        words = QVBoxLayout()
        words.setSpacing(2)
        words.addWidget(title)
        words.addWidget(subtitle)
        header = QHBoxLayout()
        header.setSpacing(SPACE_S)
        header.addLayout(words, 1)
        for button in (self.refresh_button, self.import_button, self.close_button):
            header.addWidget(button, 0, Qt.AlignmentFlag.AlignBottom)
        return header

    @property
    def message(self) -> QLabel:
        """The notice's text (what older code and tests read)."""
        return self.notice.label

    # -- building ------------------------------------------------------------------------------
    def _in_settings(self) -> tuple[str | None, str | None]:
        settings = self.ctx.settings
        return settings.model.chat_model_path, settings.library.embedding_model_path

    def reload(self) -> None:
        """Rebuild the rows from the folder and catalog (installed first, the one in use on top), then re-plan."""
        installed = {m.name: m for m in self.catalog.installed()}
        in_settings = self._in_settings()
        wanted: list[tuple[str, str, str, CatalogEntry | None, InstalledModel | None, bool]] = []
        for entry in self.catalog.entries:
            model = installed.get(entry.name)
            wanted.append((entry.name, entry.title, entry.description, entry, model,
                           model is not None and self.catalog.in_use(model, in_settings)))
        wanted += [(m.name, m.name, str(m.path), None, m, self.catalog.in_use(m, in_settings))
                   for m in installed.values() if m.entry is None]
        # Stable sort: in use, then installed, then the rest in catalog order.
        wanted.sort(key=lambda w: (not w[5], w[4] is None))
        for name in list(self.rows):
            row = self.rows[name]
            still = next((w for w in wanted if w[0] == name), None)
            if still and (still[4] is None) == (row.installed is None) and still[5] == row.in_use:
                continue
            self.rows.pop(name).deleteLater()  # a running download lives on in its job
        for position, (name, title, description, entry, model, in_use) in enumerate(wanted):
            if name not in self.rows:
                self.rows[name] = _ModelRow(self, name, title, description, entry, model, in_use)
            self._list_layout.insertWidget(position, self.rows[name])
        if self.survey_result is not None:
            self._show_fits(self.survey_result)
        self._survey()

    def _survey(self) -> None:
        run_in_background(lambda: survey(self.ctx, self.catalog, self._probe),
                          on_done=self._show_survey, on_failed=self._show_error)

    def _show_survey(self, result: Survey) -> None:
        if not isValid(self):
            return
        self.survey_result = result
        self.machine_box.show_machine(result.machine, self.ctx.paths.models_dir)
        self.gpu_notice.show_advice(result.gpu_build)
        self._show_fits(result)

    def _show_fits(self, result: Survey) -> None:
        for name, row in self.rows.items():
            row.show_fit(result.fits.get(name), self.catalog)

    def _show_error(self, message: str) -> None:
        if isValid(self):
            self.notice.show_message(message, Notice.ERROR)

    def _show_info(self, message: str) -> None:
        if isValid(self):
            self.notice.show_message(message, Notice.INFO)

    # -- actions -------------------------------------------------------------------------------
    def refresh_sizes(self) -> None:
        self.refresh_button.setEnabled(False)
        self._show_info(self.tr("Asking the model hub…"))

        def done(problems: list[str]) -> None:
            if not isValid(self):
                return
            self.refresh_button.setEnabled(True)
            if problems:
                self._show_error(problems[0])
            else:
                self._show_info(self.tr("Sizes and checksums are up to date."))
            for row in self.rows.values():
                if row.download is not None:
                    row.download.refresh()
            self._survey()

        def failed(message: str) -> None:
            if isValid(self):
                self.refresh_button.setEnabled(True)
                self._show_error(message)

        run_in_background(self.catalog.refresh, on_done=done, on_failed=failed)

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
        if isValid(self):
            self.reload()  # the settings now name it: mark it in use

    def remove(self, row: _ModelRow) -> None:
        model = row.installed
        if model is None:
            return
        size = self.tr("the link only") if model.path.is_symlink() else format_bytes(model.size_bytes)
        question = self.tr("Delete {file} ({size})? You can download it again later.").format(
            file=model.path.name, size=size)
        if not self.confirm(self.tr("Remove model"), question):
            return
        try:
            freed = self.catalog.remove(model)
        except OSError as exc:
            self._show_error(self.tr("Could not remove {file}: {reason}").format(
                file=model.path.name, reason=exc.strerror or exc))
            return
        self._show_info(self.tr("Removed {file}, {size} freed.").format(file=model.path.name, size=format_bytes(freed))
                        if freed else self.tr("Removed {file}.").format(file=model.path.name))
        self.reload()
        self.sig_models_changed.emit()

    def import_paths(self, paths: list[Path]) -> None:
        for path in paths:
            mode = self.choose_import_mode(path)
            if mode is None:
                continue
            self._show_info(self.tr("Importing {file}…").format(file=path.name))
            run_in_background(lambda p=path, m=mode: self.catalog.import_file(p, link=m == "link"),
                              on_done=self._imported, on_failed=self._show_error)

    def _imported(self, path: Path) -> None:
        if not isValid(self):
            return
        self._show_info(self.tr("Imported {file}.").format(file=Path(path).name))
        self.reload()
        self.sig_models_changed.emit()

    def _import_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Import a GGUF model"), str(Path.home()),
                                              self.tr("GGUF models (*.gguf);;All files (*)"))
        if path:
            self.import_paths([Path(path)])

    def _close(self) -> None:
        self.sig_close_requested.emit()
        self.window().close()

    # -- dialogs (replaced in tests) -----------------------------------------------------------
    # Dialogs are methods (tests replace them on the instance), never bound methods stored on self:
    # that makes the view a reference cycle, freed by whichever thread's garbage collection finds
    # it, and a Qt object freed off the UI thread crashes the app.
    def confirm(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def choose_import_mode(self, path: Path) -> str | None:
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Import model"),
                          self.tr("Copy {file} into the app's models folder, or link to it where it is?").format(
                              file=path.name), parent=self)
        copy = box.addButton(self.tr("Copy"), QMessageBox.ButtonRole.AcceptRole)
        link = box.addButton(self.tr("Link"), QMessageBox.ButtonRole.AcceptRole)
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

    Before anything is downloaded it says how big the recommended model is, how much memory it
    needs and how fast it should run here (an estimate), e.g. "about 12.1 GB · needs 13 GB of
    RAM · estimated ~11 tok/s here".

    Signals:
        sig_model_chosen(str): the recommended model finished downloading (its path).
        sig_open_file_requested(): "I already have a GGUF file".
        sig_show_models_requested(): "More models…".
    """

    sig_model_chosen = Signal(str)
    sig_open_file_requested = Signal()
    sig_show_models_requested = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *,
                 probe: Callable[[], Machine] | None = None, jobs: DownloadJobs | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.catalog = Catalog.for_window(ctx.paths.models_dir, ctx.paths.cache_dir)
        self.jobs = jobs if jobs is not None else DownloadJobs(self)
        self.entry = self.catalog.recommended(CHAT)
        self._probe = probe or (lambda: hardware.probe(ctx.paths.models_dir))
        self.setAccessibleName(self.tr("Choose a model"))
        # The chat's welcome look: a centred column, a large greeting, the recommended model as a card.
        layout = greeting_column(self)
        self.notice = Notice(self)
        layout.addWidget(self.notice)
        if self.catalog.problem:
            self.notice.show_message(self.catalog.problem, Notice.ERROR)
        self.fits = QLabel(self.tr("Checking what this machine can run…"))
        self.fits.setObjectName("paneCaption")
        self.fits.setWordWrap(True)
        self.fits.setTextFormat(Qt.TextFormat.RichText)
        self.fits.setAccessibleName(self.tr("What this machine can run"))
        self.badge = fit_badge(None)
        self.facts = QLabel()  # about 12.1 GB · needs 13 GB of RAM · estimated ~N tok/s here
        self.facts.setWordWrap(True)
        self.facts.setAccessibleName(self.tr("Size, memory and speed"))
        self.details = QLabel()  # the numbers behind the badge, and any warning
        self.details.setObjectName("modelAbout")
        self.details.setWordWrap(True)
        self.download: DownloadControl | None = None
        if self.entry is not None:
            layout.addSpacing(SPACE_S)
            layout.addWidget(self._recommended_card(self.entry))
        layout.addWidget(self.fits)
        others = QHBoxLayout()
        others.setSpacing(SPACE_S)
        self.open_button = QPushButton(self.tr("I already have a GGUF file…"))
        self.open_button.setAccessibleName(self.tr("Open a GGUF model file you already have"))
        self.open_button.clicked.connect(self.sig_open_file_requested)
        self.more_button = QPushButton(self.tr("More models…"))
        self.more_button.setAccessibleName(self.tr("Show all models"))
        self.more_button.clicked.connect(self.sig_show_models_requested)
        others.addWidget(self.open_button)
        others.addWidget(self.more_button)
        others.addStretch(1)
        layout.addLayout(others)
        layout.addStretch(1)
        # The machine is probed (psutil, llama.cpp, the GGUF headers) once this screen is painted:
        # on a worker, but importing those holds the interpreter lock the first frame needs.
        after_first_paint(self, self._start_survey)

    def _recommended_card(self, entry: CatalogEntry) -> QFrame:
        """The recommended model: name and fit badge, what it is, size · memory · speed, Download."""
        card = QFrame()
        card.setObjectName("modelCard")
        card.setAccessibleName(entry.title)
        body = QVBoxLayout(card)
        body.setContentsMargins(SPACE_L, SPACE_M, SPACE_L, SPACE_M)
        body.setSpacing(SPACE_XS)
        top = QHBoxLayout()
        heading = QLabel(entry.title)
        heading.setObjectName("modelTitle")
        heading.setTextFormat(Qt.TextFormat.PlainText)
        heading.setWordWrap(True)
        top.addWidget(heading, 1)
        top.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignTop)
        body.addLayout(top)
        about = QLabel(entry.description)
        about.setObjectName("modelAbout")
        about.setTextFormat(Qt.TextFormat.PlainText)
        about.setWordWrap(True)
        body.addWidget(about)
        body.addWidget(self.facts)
        body.addWidget(self.details)
        body.addSpacing(SPACE_XS)
        self.download = DownloadControl(self.jobs.job(self.catalog, entry), card)
        self.download.sig_finished.connect(self.sig_model_chosen)
        body.addWidget(self.download)
        size, basis = self.catalog.size_info(entry)
        self.facts.setText(size_text(size, basis))
        self.facts.setToolTip(size_tooltip(basis, entry.size_source))
        return card

    def _start_survey(self) -> None:
        run_in_background(lambda: survey(self.ctx, self.catalog, self._probe), on_done=self._show_survey,
                          on_failed=lambda message: self.fits.setText(message) if isValid(self) else None)

    def _show_survey(self, result: Survey) -> None:
        if not isValid(self):
            return
        machine = result.machine
        gpu = (", ".join(g.name for g in machine.gpus) or
               (self.tr("Apple GPU with shared memory") if machine.unified_memory
                else self.tr("no GPU llama.cpp can use")))
        lines = [self.tr("This machine: {ram} RAM, {gpu}.").format(ram=format_gib(machine.ram_total_bytes), gpu=gpu)]
        for entry in self.catalog.entries:
            fit = result.fits.get(entry.name)
            if entry.kind == CHAT and entry.usable and fit is not None:
                lines.append(f"• {entry.title}: {fit.plan.label}")
        self.fits.setText("<br>".join(lines))
        if self.entry is None:
            return
        fit = result.fits.get(self.entry.name)
        set_badge(self.badge, fit.plan if fit else None)
        size, basis = self.catalog.size_info(self.entry)
        parts = [size_text(size, basis)]
        if fit is not None:
            parts.append(needs_text(fit.plan))
            if fit.tokens_per_s is not None:
                parts.append(speed_text(fit.tokens_per_s))
            self.details.setText("\n".join([fit.plan.summary, *fit.plan.notes]))
        self.facts.setText(" · ".join(parts))
        tips = [size_tooltip(basis, self.entry.size_source)]
        if fit is not None and fit.tokens_per_s is not None:
            tips.append(speed_how())
        self.facts.setToolTip("\n".join(tips))
