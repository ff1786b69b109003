<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ar" sourcelanguage="en">
  <context>
    <name>AssistantMessage</name>
    <message>
      <source>Reasoning effort of this answer</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source> p. {page}</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Sources</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Low effort</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Medium effort</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>High effort</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Written with {effort} reasoning effort</source>
      <translation type="unfinished" />
    </message>
  </context>
  <context>
    <name>ChatPane</name>
    <message>
      <source>Notice</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Show earlier messages</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Conversation</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Stop the answer being written before switching chats.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Show earlier messages ({n} more)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Stop the answer being written before deleting this chat.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Export chat</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Exported to {path}</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Stop</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Send</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Stop generating</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Send message</source>
      <translation type="unfinished" />
    </message>
  </context>
  <context>
    <name>ChatTurns</name>
    <message>
      <source>Load a model first: “Open model…” picks a gpt-oss .gguf file.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>queued: waiting for {n} other request(s) to finish</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>{n} tokens · {speed} tok/s</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>stopped</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>The {n} oldest messages no longer fit in the model's context and were left out of this answer.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>error: {error}</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Editing an earlier question: Send replaces it; Esc cancels.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Edit cancelled: the chat is unchanged.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Replace earlier messages?</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>This replaces {n} messages of this chat, from the question you edited to the end. They cannot be brought back.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Replace</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Keep them</source>
      <translation type="unfinished" />
    </message>
  </context>
  <context>
    <name>Composer</name>
    <message>
      <source>Ask anything… (Enter to send, Shift+Enter for a new line)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Message</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Attach…</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Attach files to this chat (or drop them on the message box)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Attach files to this chat</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Attached files</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Remove attachments</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Remove the files attached to this chat</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Send</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Generation speed</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Use library</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Use the document library for this chat</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Answer from your indexed documents, with cited sources</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>{n} dropped item(s) are not files and were not attached (folders belong in the Library).</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Attached to this chat: {files}</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Your library is ready: the next answers in this chat use its {n} documents and cite them. Untick “Use library” to answer without them.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>“Use library” is now on for this chat.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Use library ({n} documents)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Use library (empty)</source>
      <translation type="unfinished" />
    </message>
  </context>
  <context>
    <name>ConversationList</name>
    <message>
      <source>No chats</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>The chats could not be read: {reason}</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>New chat</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>{title}
{n} messages</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>No chat contains “{query}”. Search looks through every message; try fewer or other words. Esc clears the search.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>No chats yet.

Ask a question on the right: every chat is kept here, on this computer, to search (Ctrl+K), rename, export or delete.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Rename chat</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Title:</source>
      <translation type="unfinished" />
    </message>
  </context>
  <context>
    <name>DownloadControl</name>
    <message>
      <source>Download progress of {title}</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Cancel</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Cancel download of {title}</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Stopping after the current chunk…</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Contacting the model hub…</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Resume</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Download</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Download {title}</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Paused at {done} of {total}</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>{size} download</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Downloaded and verified</source>
      <translation type="unfinished" />
    </message>
  </context>
  <context>
    <name>DropZone</name>
    <message>
      <source>Drop zone</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>&lt;b&gt;Drop files or folders here&lt;/b&gt;&lt;br&gt;PDF, Word, EPUB, Markdown, HTML, text and source code</source>
      <translation type="unfinished" />
    </message>
  </context>
  <context>
    <name>EditBar</name>
    <message>
      <source>Editing an earlier question</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Edit mode</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Cancel edit</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Cancel editing and keep the chat as it is</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Leave edit mode (Esc); nothing in the chat changes</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Editing an earlier question. Send replaces it and the {n} messages after it (you will be asked first). Esc or Cancel keeps the chat as it is.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Editing your last question. Send replaces it and its answer. Esc or Cancel keeps the chat as it is.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Editing your last question. Send replaces it. Esc or Cancel keeps the chat as it is.</source>
      <translation type="unfinished" />
    </message>
  </context>
  <context>
    <name>EffortToggle</name>
    <message>
      <source>Reasoning effort</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Low</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Medium</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>High</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>{effort} reasoning effort</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Reasoning effort: {effort} (applies to the next message)</source>
      <translation type="unfinished" />
    </message>
  </context>
  <context>
    <name>FieldEditor</name>
    <message>
      <source>{0} error</source>
      <translation type="unfinished" />
    </message>
  </context>
  <context>
    <name>FirstRunView</name>
    <message>
      <source>Choose a model</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Choose a model to chat with</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Everything runs on this computer. The model is downloaded once; after that no network is needed.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Checking what this machine can run…</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>What this machine can run</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Size, memory and speed</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>I already have a GGUF file…</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Open a GGUF model file you already have</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>More models…</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Show all models</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Apple GPU with shared memory</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>no GPU llama.cpp can use</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>This machine: {ram} RAM, {gpu}.</source>
      <translation type="unfinished" />
    </message>
  </context>
  <context>
    <name>GpuBuildNotice</name>
    <message>
      <source>GPU not used</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Command for the GPU build</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Copy command</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Copy the GPU build command</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>{gpus} is not used: this build of the app runs on the CPU only.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>A GPU build would run {model} about {factor:.0f}× faster here (estimate: ~{gpu:.0f} instead of ~{cpu:.0f} tokens/s, from memory bandwidth over the bytes read per token).</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>A GPU build would use it (no speed estimate: the GPU's memory speed is unknown or the model would not fit on it).</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>To get it, run this in the app's source folder (it rebuilds llama.cpp with CUDA; needs the CUDA toolkit), then restart the app:</source>
      <translation type="unfinished" />
    </message>
  </context>
  <context>
    <name>Library</name>
    <message>
      <source>Name</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Type</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Pages</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Chunks</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Status</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Watched</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>waiting</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>yes</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>indexing {0} %</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>indexing</source>
      <translation type="unfinished" />
    </message>
  </context>
  <context>
    <name>LibraryPane</name>
    <message>
      <source>Opening the library...</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Add files...</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Add folder...</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Remove...</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Remove selected documents</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Watch added folders for changes</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Filter by name or folder</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Filter documents</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Errors only</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Documents</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Cancel</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Cancel indexing</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Indexing is running: {0} item(s) will be added when it ends.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Adding {0} item(s)...</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>{0} documents</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Remove {0} from the library? The files on disk are not touched; you can add them again later.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Remove from library</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Removed {0}.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Add files to the library</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Add a folder to the library</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Remove</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>waiting for the embedding model</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>waiting to be added</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source> · ETA {0}</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>files {0}/{1} · chunks {2}</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>{0} indexed ({1} chunks)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>{0} unchanged</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>{0} with errors</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>{0} skipped</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>{0} removed</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Cancelled: {0}.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Done: {0}.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>{0} of {1} shown</source>
      <translation type="unfinished" />
    </message>
    <message numerus="yes">
      <source>%n item(s)</source>
      <translation type="unfinished">
        <numerusform />
      </translation>
    </message>
    <message>
      <source>{0} item(s) wait for the embedding model: set it up above and they are indexed at once.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Set up the embedding model above to start your library.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Ready.</source>
      <translation type="unfinished" />
    </message>
  </context>
  <context>
    <name>LibrarySetup</name>
    <message>
      <source>Library set-up</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Set up the library</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Use {0}</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Use the downloaded embedding model</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Choose a file…</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Choose an embedding model file</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Get {0}, or choose</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Choose</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Documents are searched with a small embedding model that runs on this computer. {0} a GGUF embedding model you have; what you add waits in the list below and is indexed as soon as the model is ready.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>The embedding model {0} is missing.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Choose an embedding model</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>GGUF models (*.gguf);;All files (*)</source>
      <translation type="unfinished" />
    </message>
  </context>
  <context>
    <name>MainWindow</name>
    <message>
      <source>Chat</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Library</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Settings</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Panes</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>gpt-oss-desktop: everything runs on this computer</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>gpt-oss-desktop {version}: everything runs on this computer</source>
      <translation type="unfinished" />
    </message>
  </context>
  <context>
    <name>ModelBar</name>
    <message>
      <source>Chat model</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Installed chat models</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Open model…</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Open a GGUF model file</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Models…</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Manage models</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Loading {name}…</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Open a gpt-oss model</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>GGUF models (*.gguf);;All files (*)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Model: {name} · {placement} · context {n_ctx} tokens · loaded in {s} s</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>{name} ready</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>{reason}
Still using {name}: you can keep chatting.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Could not open that model; still using {name}.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>No model yet. Choose a gpt-oss .gguf file with “Open model…” (for example gpt-oss-20b-mxfp4.gguf); the app remembers it.</source>
      <translation type="unfinished" />
    </message>
  </context>
  <context>
    <name>ModelsView</name>
    <message>
      <source>size unknown</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>about {size}</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>about {size} (computed)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>As the publisher's page states it, rounded: {source}</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Computed from the model's shape (its tensors; the file's header adds a few MB). Model page: {source}</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>The exact size, from the model hub or the file on disk.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>needs {n} GB of RAM</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>{ram} and {gpu} GB of GPU memory</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>estimated ~{n} tok/s here</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Estimate: memory bandwidth divided by the bytes one token reads (the weights it passes through and the chat so far). RAM speed is measured here; GPU speed comes from the driver.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>fit unknown</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Fit: {label}</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Its size is not known: check sizes online.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Models</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Check sizes online</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Ask the model hub for exact file sizes and checksums</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Import GGUF…</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Import a GGUF model file</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Close</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Close the Models view</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Models list</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Asking the model hub…</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Sizes and checksums are up to date.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>the link only</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Delete {file} ({size})? You can download it again later.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Remove model</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Could not remove {file}: {reason}</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Removed {file}, {size} freed.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Removed {file}.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Importing {file}…</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Imported {file}.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Import a GGUF model</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>GGUF models (*.gguf);;All files (*)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Import model</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Copy {file} into the app's models folder, or link to it where it is?</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Copy</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Link</source>
      <translation type="unfinished" />
    </message>
  </context>
  <context>
    <name>Notice</name>
    <message>
      <source>Notice</source>
      <translation type="unfinished" />
    </message>
  </context>
  <context>
    <name>PathEditor</name>
    <message>
      <source>Not set</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Browse…</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Browse for {0}</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Type the full path of the file, or use Browse…</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Choose a GGUF file</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>GGUF models (*.gguf);;All files (*)</source>
      <translation type="unfinished" />
    </message>
  </context>
  <context>
    <name>QGuiApplication</name>
    <message>
      <source>QT_LAYOUT_DIRECTION</source>
      <translation type="unfinished" />
    </message>
  </context>
  <context>
    <name>Settings</name>
    <message>
      <source>Model &amp; runtime</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Reasoning</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Sampling</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Library</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Appearance</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Chat model</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>A gpt-oss GGUF file. Manage models… downloads one.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Context length</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>How much of the conversation the model sees at once; more needs more memory.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source> tokens</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>GPU layers</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Auto fits as many layers as the GPU's free memory holds; 0 runs on the CPU only.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source> layers</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Auto</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>MoE experts</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>In RAM lets a GPU with a few GB run the model: slower, but it fits.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>On the GPU</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>In RAM</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>CPU threads</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Auto uses the CPU cores llama.cpp finds best for this machine.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source> threads</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>The model runs on</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>A remote engine is an OpenAI-compatible server (vLLM, llama-server, ...) your questions are sent to.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>This computer (GGUF)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Remote engine</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Engine URL</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>The server's base URL as OpenAI clients take it, e.g. http://gpu-server.local:8000/v1.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Engine model</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>The model id the server lists in /v1/models.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Engine timeout</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Give up when the server stays silent this long (a busy server may need more).</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source> s</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Reasoning effort</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>How long the model thinks before it answers; the chat's effort switch overrides it.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Low</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Medium</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>High</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Instructions</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Sent before every conversation, e.g. "Answer in French."</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Temperature</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Lower is more predictable, higher more varied; 1.0 is what OpenAI recommends.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Top-p</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Only the likeliest tokens that together reach this probability are considered.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Top-k</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Only this many of the likeliest tokens are considered; Off is slower on fast GPUs.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Off</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Min-p</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Drops tokens less likely than this share of the likeliest one.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Repeat penalty</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Above 1.0 discourages repeating words; 1.0 leaves the model as it is.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Answer length limit</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>An answer stops here, thinking included.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Seed</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>A fixed number repeats the same answer to the same question.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Random</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Embedding model</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>A GGUF embedding model (e.g. bge-small); the Library pane offers one.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Sources per question</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>How many passages of your documents go with each question.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source> sources</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Passage size</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Documents are cut into passages of this size; applies to files indexed from now on.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Passage overlap</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Text shared by neighbouring passages, so a sentence is not cut in two.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Library kept</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>A Milvus server lets a team share one library; your documents' passages are sent to it.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>On this computer</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Milvus server</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Milvus URI</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>The server's address, e.g. http://milvus.local:19530.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Database</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>The Milvus database to use; empty means "default".</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Theme</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Light or dark; by default the app follows the operating system's choice.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Follow the system</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Light</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Dark</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Language</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>The window's language; a change applies the next time the app starts.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>English</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>العربية (Arabic)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Local API</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Serves the loaded model to editors, scripts and agents; on the network a key is always required.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>This computer only</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>This computer and the network</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Port</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Clients connect to http://127.0.0.1:PORT/v1; pick another if this one is taken.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Any free port</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>API key</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Clients send the key as 'Authorization: Bearer KEY'; the network always needs it.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Required</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Not required (this computer only)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Web pages allowed</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Origins of web pages that may call the API from a browser, e.g. http://localhost:3000; separate several with spaces. Empty: none.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Largest request</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>A request larger than this is refused.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source> MB</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Open requests at most</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>More requests than this at once are told to try again shortly.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source> requests</source>
      <translation type="unfinished" />
    </message>
  </context>
  <context>
    <name>SettingsPane</name>
    <message>
      <source>Model settings changed: they apply when the model is reloaded.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Reload model now</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Restore defaults</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Restore {0} defaults</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Put every {0} setting back to its default (model files stay)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Manage models…</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Manage models</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Data &amp; privacy</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Your chats, documents index and models are kept in:</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Data folder</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Open folder</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Open data folder</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Everything stays on this computer: no telemetry, no network except model downloads you start.</source>
      <translation type="unfinished" />
    </message>
  </context>
  <context>
    <name>SourceViewer</name>
    <message>
      <source>{name} (source)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Source document</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Document text</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Open in default app</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Open this document in the system's default app</source>
      <translation type="unfinished" />
    </message>
  </context>
  <context>
    <name>Welcome</name>
    <message>
      <source>New chat</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>What can I help with?</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Everything runs on this computer; nothing you type leaves it. Try one of these:</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Explain how a heat pump works, simply</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Write a Python function that removes duplicate lines</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Draft a polite email asking for a deadline extension</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Suggestion: {text}</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Put this question in the message box</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Enter sends · Shift+Enter adds a line · Tab moves on · Ctrl+K searches your chats · Ctrl+N starts a new one.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Tick “Use library” to answer from your {n} indexed documents, with sources.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Drop documents on the Library pane to ask questions about them; attach a file here for this chat only.</source>
      <translation type="unfinished" />
    </message>
  </context>
  <context>
    <name>_MachineBox</name>
    <message>
      <source>This machine</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>RAM</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>GPU</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Unified memory</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Backend</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Disk</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>{total} ({free} free now)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>{name}: {total} VRAM ({free} free)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Apple GPU (shares RAM)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>none found</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>no</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>yes: the GPU may use {budget} of {total}</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source> (estimated)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source> (this build runs on the CPU only)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>{free} free for models</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Models folder: {path}</source>
      <translation type="unfinished" />
    </message>
  </context>
  <context>
    <name>_ModelRow</name>
    <message>
      <source>in use</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>recommended</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>installed</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Status of {title}</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Size, memory and speed of {title}</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>In use</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Use</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Use {title}</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Remove…</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>Remove {title}</source>
      <translation type="unfinished" />
    </message>
  </context>
  <context>
    <name>launch</name>
    <message>
      <source>gpt-oss-desktop is already open on this data folder but does not answer; close it (or end its process) and start it again.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <source>gpt-oss-desktop could not start</source>
      <translation type="unfinished" />
    </message>
  </context>
</TS>
