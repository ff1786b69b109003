"""The Models view's notice for a GPU that this build cannot use: which GPU, the estimated
speed-up (always labelled as an estimate), and the one command that gives the GPU build.

A card tinted in the accent (theme.py draws it), the command set apart in a monospaced box."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.core.gpu_build import GpuBuildAdvice
from desktop.ui.theme import SPACE_L, SPACE_M, SPACE_S


class GpuBuildNotice(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("gpuBuildNotice")
        self.setAccessibleName(self.tr("GPU not used"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(SPACE_L, SPACE_M, SPACE_L, SPACE_M)
        layout.setSpacing(SPACE_S)
        self.text = QLabel()
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setWordWrap(True)
        layout.addWidget(self.text)
        row = QHBoxLayout()
        row.setSpacing(SPACE_S)
        self.command = QLabel()
        self.command.setObjectName("gpuBuildCommand")
        self.command.setWordWrap(True)
        self.command.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.command.setAccessibleName(self.tr("Command for the GPU build"))
        self.copy_button = QPushButton(self.tr("Copy command"))
        self.copy_button.setAccessibleName(self.tr("Copy the GPU build command"))
        self.copy_button.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.command.text()))
        row.addWidget(self.command, 1)
        row.addWidget(self.copy_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(row)
        self.hide()

    def show_advice(self, advice: GpuBuildAdvice | None) -> None:
        if advice is None:
            self.hide()
            return
        gpus = ", ".join(advice.gpu_names)
        lines = [self.tr("{gpus} is not used: this build of the app runs on the CPU only.").format(gpus=gpus)]
        if advice.speedup is not None and advice.speedup > 1.05:
            lines.append(self.tr("A GPU build would run {model} about {factor:.0f}× faster here "
                                 "(estimate: ~{gpu:.0f} instead of ~{cpu:.0f} tokens/s, from memory "
                                 "bandwidth over the bytes read per token).").format(
                model=advice.model_name, factor=advice.speedup, gpu=advice.gpu_tokens_per_s,
                cpu=advice.cpu_tokens_per_s))
        else:
            lines.append(self.tr("A GPU build would use it (no speed estimate: the GPU's memory "
                                 "speed is unknown or the model would not fit on it)."))
        lines.append(self.tr("To get it, run this in the app's source folder (it rebuilds llama.cpp "
                             "with CUDA; needs the CUDA toolkit), then restart the app:"))
        # The first line is the news, in bold; the rest explains. Names are escaped: rich text.
        self.text.setText(f"<b>{html.escape(lines[0])}</b><br>" + "<br>".join(html.escape(line) for line in lines[1:]))
        self.command.setText(advice.command)
        self.setAccessibleDescription("\n".join(lines))
        self.show()
