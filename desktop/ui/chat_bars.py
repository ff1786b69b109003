"""Small parts of the chat column that tell the user where they stand: the edit bar and the welcome.

The edit bar stays on screen for as long as an earlier question is being edited, so Send can never
replace turns without the user seeing that it will. The welcome is the empty state of a new chat:
what to try, and the keys that get there without a mouse.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from desktop.ui.theme import READING_WIDTH, SPACE_M, SPACE_S, SPACE_XL, centred

SUGGESTIONS_WIDTH = 560  # px: the suggestion cards' column, narrower than the reading column


class EditBar(QWidget):
    """"Editing your question … [Cancel]": visible exactly while edit mode is on, in the reading column."""

    sig_cancel = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Editing an earlier question"))
        self.frame = QFrame()
        self.frame.setObjectName("editBar")
        centred(self, self.frame, READING_WIDTH)
        layout = QHBoxLayout(self.frame)
        layout.setContentsMargins(SPACE_M, SPACE_S, SPACE_S, SPACE_S)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setAccessibleName(self.tr("Edit mode"))
        self.cancel_button = QPushButton(self.tr("Cancel edit"))
        self.cancel_button.setAccessibleName(self.tr("Cancel editing and keep the chat as it is"))
        self.cancel_button.setToolTip(self.tr("Leave edit mode (Esc); nothing in the chat changes"))
        self.cancel_button.clicked.connect(self.sig_cancel)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.cancel_button)
        self.hide()

    def show_editing(self, later_messages: int) -> None:
        if later_messages > 1:
            text = self.tr("Editing an earlier question. Send replaces it and the {n} messages after it "
                           "(you will be asked first). Esc or Cancel keeps the chat as it is.").format(n=later_messages)
        elif later_messages == 1:
            text = self.tr("Editing your last question. Send replaces it and its answer. "
                           "Esc or Cancel keeps the chat as it is.")
        else:
            text = self.tr("Editing your last question. Send replaces it. Esc or Cancel keeps the chat as it is.")
        self.label.setText(text)
        self.show()


class Welcome(QFrame):
    """The empty state of a chat: a greeting, suggestions that fill the input, and the keys."""

    sig_suggestion = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcome")
        self.setAccessibleName(self.tr("New chat"))
        column = QWidget()
        centred(self, column, SUGGESTIONS_WIDTH)
        layout = QVBoxLayout(column)
        layout.setSpacing(SPACE_S)
        layout.addStretch(1)
        title = QLabel(self.tr("What can I help with?"))
        title.setObjectName("welcomeTitle")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(title)
        hint = QLabel(self.tr("Everything runs on this computer; nothing you type leaves it. Try one of these:"))
        hint.setObjectName("welcomeHint")
        hint.setWordWrap(True)
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(hint)
        layout.addSpacing(SPACE_M)
        self.suggestions: list[QPushButton] = []
        # Stacked cards, one a line: a narrow window keeps its sidebar, and each reads at a glance.
        for text in (self.tr("Explain how a heat pump works, simply"),
                     self.tr("Write a Python function that removes duplicate lines"),
                     self.tr("Draft a polite email asking for a deadline extension"),
                     self.tr("Summarise the key points of a file I attach")):
            button = QPushButton(text)
            button.setObjectName("suggestion")
            button.setAccessibleName(self.tr("Suggestion: {text}").format(text=text))
            button.setToolTip(self.tr("Put this question in the message box"))
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            button.clicked.connect(lambda _checked=False, t=text: self.sig_suggestion.emit(t))
            self.suggestions.append(button)
            layout.addWidget(button)
        layout.addSpacing(SPACE_XL)
        self.tips = QLabel()
        self.tips.setObjectName("welcomeTips")
        self.tips.setWordWrap(True)
        self.tips.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.tips)
        layout.addStretch(2)
        self.set_library_documents(0)

    def set_library_documents(self, count: int) -> None:
        keys = self.tr("Enter sends · Shift+Enter adds a line · Tab moves on · Ctrl+K searches your chats · "
                       "Ctrl+N starts a new one.")
        if count:
            library = self.tr("Tick “Use library” to answer from your {n} indexed documents, with sources.").format(
                n=count)
        else:
            library = self.tr("Drop documents on the Library pane to ask questions about them; "
                              "attach a file here for this chat only.")
        self.tips.setText(library + "\n" + keys)
