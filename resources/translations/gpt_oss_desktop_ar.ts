<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ar" sourcelanguage="en">
  <context>
    <name>AddServerDialog</name>
    <message>
      <source>Add an MCP server</source>
      <translation>إضافة خادم MCP</translation>
    </message>
    <message>
      <source>e.g. time</source>
      <translation>مثل time</translation>
    </message>
    <message>
      <source>Server name</source>
      <translation>اسم الخادم</translation>
    </message>
    <message>
      <source>e.g. uvx mcp-server-time, or http://127.0.0.1:8000/mcp</source>
      <translation>مثل uvx mcp-server-time، أو http://127.0.0.1:8000/mcp</translation>
    </message>
    <message>
      <source>Command or URL</source>
      <translation>الأمر أو العنوان</translation>
    </message>
    <message>
      <source>Name</source>
      <translation>الاسم</translation>
    </message>
    <message>
      <source>Give the command that starts the server, or its URL.</source>
      <translation>اكتب الأمر الذي يشغّل الخادم، أو عنوانه.</translation>
    </message>
    <message>
      <source>this server</source>
      <translation>هذا الخادم</translation>
    </message>
  </context>
  <context>
    <name>ApiIndicator</name>
    <message>
      <source>Local API</source>
      <translation>الواجهة البرمجية المحلية</translation>
    </message>
    <message>
      <source>Settings → Local API</source>
      <translation>الإعدادات ← الواجهة البرمجية المحلية</translation>
    </message>
    <message>
      <source>API on :{port}</source>
      <translation>الواجهة البرمجية على :{port}</translation>
    </message>
    <message>
      <source> · answering</source>
      <translation> · تجيب</translation>
    </message>
    <message>
      <source> · {n} waiting</source>
      <translation> · {n} في الانتظار</translation>
    </message>
    <message>
      <source>Serving on {url} (Settings → Local API)</source>
      <translation>تُقدَّم على {url} (الإعدادات ← الواجهة البرمجية المحلية)</translation>
    </message>
    <message>
      <source>API not serving</source>
      <translation>الواجهة البرمجية لا تعمل</translation>
    </message>
  </context>
  <context>
    <name>ApprovalCard</name>
    <message>
      <source>Tool call waiting for your approval</source>
      <translation>استدعاء أداة ينتظر موافقتك</translation>
    </message>
    <message>
      <source>gpt-oss wants to use the tool {name}</source>
      <translation>يريد gpt-oss استخدام الأداة {name}</translation>
    </message>
    <message>
      <source>Arguments of the call</source>
      <translation>وسائط الاستدعاء</translation>
    </message>
    <message>
      <source>Allow once</source>
      <translation>السماح مرة واحدة</translation>
    </message>
    <message>
      <source>Always allow this tool</source>
      <translation>السماح دائمًا لهذه الأداة</translation>
    </message>
    <message>
      <source>Deny</source>
      <translation>رفض</translation>
    </message>
    <message>
      <source>Allow this call once</source>
      <translation>اسمح بهذا الاستدعاء مرة واحدة</translation>
    </message>
    <message>
      <source>Always allow {name}</source>
      <translation>اسمح دائمًا لـ{name}</translation>
    </message>
    <message>
      <source>Deny this call</source>
      <translation>ارفض هذا الاستدعاء</translation>
    </message>
    <message>
      <source>Stopped: the call was not run.</source>
      <translation>أُوقف: لم يُنفَّذ الاستدعاء.</translation>
    </message>
    <message>
      <source>Allowed once.</source>
      <translation>سُمح به مرة واحدة.</translation>
    </message>
    <message>
      <source>Always allowed: later calls of this tool run without asking.</source>
      <translation>مسموح دائمًا: تُنفَّذ الاستدعاءات اللاحقة لهذه الأداة دون سؤال.</translation>
    </message>
    <message>
      <source>Denied: the model was told so.</source>
      <translation>رُفض: وأُبلغ النموذج بذلك.</translation>
    </message>
    <message>
      <source>Tool call: {outcome}</source>
      <translation>استدعاء الأداة: {outcome}</translation>
    </message>
  </context>
  <context>
    <name>AssistantMessage</name>
    <message>
      <source>Answer</source>
      <translation>الإجابة</translation>
    </message>
    <message>
      <source>Copy</source>
      <translation>نسخ</translation>
    </message>
    <message>
      <source>Copy the answer</source>
      <translation>انسخ الإجابة</translation>
    </message>
    <message>
      <source>Regenerate</source>
      <translation>إعادة التوليد</translation>
    </message>
    <message>
      <source>Regenerate this answer</source>
      <translation>أعد توليد هذه الإجابة</translation>
    </message>
    <message>
      <source>Sources</source>
      <translation>المصادر</translation>
    </message>
    <message>
      <source>Reasoning effort of this answer</source>
      <translation>جهد التفكير لهذه الإجابة</translation>
    </message>
    <message>
      <source>Message statistics</source>
      <translation>إحصاءات الرسالة</translation>
    </message>
    <message>
      <source>Answer finished: {start}</source>
      <translation>اكتملت الإجابة: {start}</translation>
    </message>
    <message>
      <source>Answer finished.</source>
      <translation>اكتملت الإجابة.</translation>
    </message>
    <message>
      <source> p. {page}</source>
      <translation> ص. {page}</translation>
    </message>
    <message>
      <source>Low effort</source>
      <translation>جهد منخفض</translation>
    </message>
    <message>
      <source>Medium effort</source>
      <translation>جهد متوسط</translation>
    </message>
    <message>
      <source>High effort</source>
      <translation>جهد عالٍ</translation>
    </message>
    <message>
      <source>Written with {effort} reasoning effort</source>
      <translation>كُتبت بجهد تفكير {effort}</translation>
    </message>
  </context>
  <context>
    <name>ChatPane</name>
    <message>
      <source>Notice</source>
      <translation>تنبيه</translation>
    </message>
    <message>
      <source>Show earlier messages</source>
      <translation>عرض الرسائل السابقة</translation>
    </message>
    <message>
      <source>Conversation</source>
      <translation>المحادثة</translation>
    </message>
    <message>
      <source>The library server cannot be used ({reason}): answers are written without your documents until it can.</source>
      <translation>لا يمكن استخدام خادم المكتبة ({reason}): تُكتب الإجابات دون مستنداتك حتى يصبح متاحًا.</translation>
    </message>
    <message>
      <source>Stop the answer being written before switching chats.</source>
      <translation>أوقف الإجابة الجارية قبل الانتقال إلى محادثة أخرى.</translation>
    </message>
    <message>
      <source>Could not open the chat: {reason}</source>
      <translation>تعذّر فتح المحادثة: {reason}</translation>
    </message>
    <message>
      <source>Show earlier messages ({n} more)</source>
      <translation>عرض الرسائل السابقة ({n} أخرى)</translation>
    </message>
    <message>
      <source>Stop the answer being written before deleting this chat.</source>
      <translation>أوقف الإجابة الجارية قبل حذف هذه المحادثة.</translation>
    </message>
    <message>
      <source>Export chat</source>
      <translation>تصدير المحادثة</translation>
    </message>
    <message>
      <source>Exported to {path}</source>
      <translation>صُدّرت إلى {path}</translation>
    </message>
    <message>
      <source>Could not export the chat: {reason}</source>
      <translation>تعذّر تصدير المحادثة: {reason}</translation>
    </message>
    <message>
      <source>Stop</source>
      <translation>إيقاف</translation>
    </message>
    <message>
      <source>Send</source>
      <translation>إرسال</translation>
    </message>
    <message>
      <source>Stop generating</source>
      <translation>إيقاف الكتابة</translation>
    </message>
    <message>
      <source>Send message</source>
      <translation>إرسال الرسالة</translation>
    </message>
    <message>
      <source>interrupted: partial answer</source>
      <translation>انقطعت: إجابة جزئية</translation>
    </message>
    <message>
      <source>stopped</source>
      <translation>أُوقفت</translation>
    </message>
    <message>
      <source>error: {error}</source>
      <translation>خطأ: {error}</translation>
    </message>
    <message>
      <source>{speed} tok/s</source>
      <translation>{speed} رمز/ث</translation>
    </message>
    <message>
      <source>{s} s to first token</source>
      <translation>{s} ث حتى أول رمز</translation>
    </message>
  </context>
  <context>
    <name>ChatTools</name>
    <message>
      <source>ran</source>
      <translation>نُفِّذ</translation>
    </message>
    <message>
      <source>failed</source>
      <translation>فشل</translation>
    </message>
    <message>
      <source>denied</source>
      <translation>رُفض</translation>
    </message>
    <message>
      <source>stopped</source>
      <translation>أُوقفت</translation>
    </message>
    <message>
      <source>… ({n} characters in all)</source>
      <translation>… ({n} حرفًا إجمالًا)</translation>
    </message>
    <message>
      <source>Arguments:</source>
      <translation>الوسائط:</translation>
    </message>
    <message>
      <source>Result:</source>
      <translation>النتيجة:</translation>
    </message>
    <message>
      <source>The MCP server {name} is not available ({status}); its tools are left out.</source>
      <translation>خادم MCP ‏{name} غير متاح ({status})؛ استُبعدت أدواته.</translation>
    </message>
    <message>
      <source>The MCP servers could not be started: {reason}</source>
      <translation>تعذّر تشغيل خوادم MCP: {reason}</translation>
    </message>
    <message>
      <source>Browsing the library works with the model on this computer: with the remote engine the library is searched once for this answer.</source>
      <translation>تصفح المكتبة يعمل مع النموذج على هذا الحاسوب: مع المحرك البعيد يُبحث في المكتبة مرة واحدة لهذه الإجابة.</translation>
    </message>
    <message>
      <source>Waiting for you to allow or deny {name}</source>
      <translation>في انتظار سماحك أو رفضك لـ{name}</translation>
    </message>
    <message>
      <source>gpt-oss wants to use the tool {name}. Allow once, always allow, or deny.</source>
      <translation>يريد gpt-oss استخدام الأداة {name}. اسمح مرة، أو اسمح دائمًا، أو ارفض.</translation>
    </message>
    <message>
      <source>Every tool call will be put to you again.</source>
      <translation>سيُعرض عليك كل استدعاء أداة من جديد.</translation>
    </message>
  </context>
  <context>
    <name>ChatTurns</name>
    <message>
      <source>Load a model first: “Open model…” picks a gpt-oss .gguf file.</source>
      <translation>حمّل نموذجًا أولًا: «فتح نموذج…» يختار ملف gpt-oss بصيغة ‎.gguf.</translation>
    </message>
    <message>
      <source>queued: waiting for {n} other request(s) to finish</source>
      <translation>في الانتظار: ريثما تنتهي {n} طلبات أخرى</translation>
    </message>
    <message>
      <source>{n} tokens · {speed} tok/s</source>
      <translation>{n} رمز · {speed} رمز/ث</translation>
    </message>
    <message>
      <source>stopped</source>
      <translation>أُوقفت</translation>
    </message>
    <message>
      <source>The {n} oldest messages no longer fit in the model's context and were left out of this answer.</source>
      <translation>لم تعد أقدم {n} رسائل تتسع في سياق النموذج، فلم تُحتسب في هذه الإجابة.</translation>
    </message>
    <message>
      <source>error: {error}</source>
      <translation>خطأ: {error}</translation>
    </message>
    <message>
      <source>Editing an earlier question: Send replaces it; Esc cancels.</source>
      <translation>تحرير سؤال سابق: «إرسال» يستبدله، وEsc يلغي.</translation>
    </message>
    <message>
      <source>Edit cancelled: the chat is unchanged.</source>
      <translation>أُلغي التحرير: المحادثة لم تتغير.</translation>
    </message>
    <message>
      <source>Replace earlier messages?</source>
      <translation>استبدال الرسائل السابقة؟</translation>
    </message>
    <message>
      <source>This replaces {n} messages of this chat, from the question you edited to the end. They cannot be brought back.</source>
      <translation>سيستبدل هذا {n} رسائل من هذه المحادثة، من السؤال الذي حرّرته حتى النهاية. ولا يمكن استرجاعها.</translation>
    </message>
    <message>
      <source>Replace</source>
      <translation>استبدال</translation>
    </message>
    <message>
      <source>Keep them</source>
      <translation>إبقاؤها</translation>
    </message>
  </context>
  <context>
    <name>Composer</name>
    <message>
      <source>Ask anything… (Enter to send, Shift+Enter for a new line)</source>
      <translation>اسأل عن أي شيء… (Enter للإرسال، وShift+Enter لسطر جديد)</translation>
    </message>
    <message>
      <source>Message</source>
      <translation>الرسالة</translation>
    </message>
    <message>
      <source>+ Attach</source>
      <translation>+ إرفاق</translation>
    </message>
    <message>
      <source>Attach files to this chat (or drop them on the message box)</source>
      <translation>أرفق ملفات بهذه المحادثة (أو أفلتها على مربع الرسالة)</translation>
    </message>
    <message>
      <source>Attach files to this chat</source>
      <translation>أرفق ملفات بهذه المحادثة</translation>
    </message>
    <message>
      <source>Attached files</source>
      <translation>الملفات المرفقة</translation>
    </message>
    <message>
      <source>Remove attachments</source>
      <translation>إزالة المرفقات</translation>
    </message>
    <message>
      <source>Remove the files attached to this chat</source>
      <translation>أزل الملفات المرفقة بهذه المحادثة</translation>
    </message>
    <message>
      <source>Send</source>
      <translation>إرسال</translation>
    </message>
    <message>
      <source>Send message</source>
      <translation>إرسال الرسالة</translation>
    </message>
    <message>
      <source>Send (Enter); while an answer is written, Stop (Esc)</source>
      <translation>إرسال (Enter)؛ وأثناء كتابة الإجابة، إيقاف (Esc)</translation>
    </message>
    <message>
      <source>Generation speed</source>
      <translation>سرعة الكتابة</translation>
    </message>
    <message>
      <source>Use library</source>
      <translation>استخدام المكتبة</translation>
    </message>
    <message>
      <source>Use the document library for this chat</source>
      <translation>استخدم مكتبة المستندات في هذه المحادثة</translation>
    </message>
    <message>
      <source>Answer from your indexed documents, with cited sources</source>
      <translation>أجب من مستنداتك المفهرسة مع ذكر المصادر</translation>
    </message>
    <message>
      <source>Search once</source>
      <translation>البحث مرة واحدة</translation>
    </message>
    <message>
      <source>Let the model browse</source>
      <translation>دع النموذج يتصفح</translation>
    </message>
    <message>
      <source>How the library is used</source>
      <translation>كيفية استخدام المكتبة</translation>
    </message>
    <message>
      <source>Search once sends the best passages with each question; browsing lets the model search and read your documents itself (slower)</source>
      <translation>«البحث مرة واحدة» يرسل أفضل المقاطع مع كل سؤال؛ و«التصفح» يدع النموذج يبحث في مستنداتك ويقرؤها بنفسه (أبطأ)</translation>
    </message>
    <message>
      <source>{n} dropped item(s) are not files and were not attached (folders belong in the Library).</source>
      <translation>{n} من العناصر المُفلتة ليست ملفات فلم تُرفق (المجلدات مكانها المكتبة).</translation>
    </message>
    <message>
      <source>Attached to this chat: {files}</source>
      <translation>مرفق بهذه المحادثة: {files}</translation>
    </message>
    <message>
      <source>Your library is ready: the next answers in this chat use its {n} documents and cite them. Untick “Use library” to answer without them.</source>
      <translation>مكتبتك جاهزة: الإجابات التالية في هذه المحادثة تستخدم مستنداتها الـ{n} وتستشهد بها. ألغِ تحديد «استخدام المكتبة» للإجابة دونها.</translation>
    </message>
    <message>
      <source>“Use library” is now on for this chat.</source>
      <translation>«استخدام المكتبة» مفعّل الآن لهذه المحادثة.</translation>
    </message>
    <message>
      <source>Use library ({n} documents)</source>
      <translation>استخدام المكتبة ({n} مستندات)</translation>
    </message>
    <message>
      <source>Use library (empty)</source>
      <translation>استخدام المكتبة (فارغة)</translation>
    </message>
  </context>
  <context>
    <name>ContextMeter</name>
    <message>
      <source>Context used</source>
      <translation>السياق المستخدم</translation>
    </message>
    <message>
      <source>{used} / {total}</source>
      <translation>{used} / {total}</translation>
    </message>
    <message>
      <source>Context: {used} of {total} tokens used ({percent} %). When it is full, the oldest messages are left out of what the model sees.</source>
      <translation>السياق: استُخدم {used} من {total} رمز ({percent} ٪). عند امتلائه تُستبعد أقدم الرسائل مما يراه النموذج.</translation>
    </message>
  </context>
  <context>
    <name>ConversationList</name>
    <message>
      <source>Today</source>
      <translation>اليوم</translation>
    </message>
    <message>
      <source>Yesterday</source>
      <translation>أمس</translation>
    </message>
    <message>
      <source>+ New chat</source>
      <translation>+ محادثة جديدة</translation>
    </message>
    <message>
      <source>New chat (Ctrl+N)</source>
      <translation>محادثة جديدة (Ctrl+N)</translation>
    </message>
    <message>
      <source>New chat</source>
      <translation>محادثة جديدة</translation>
    </message>
    <message>
      <source>Search chats… (Ctrl+K)</source>
      <translation>البحث في المحادثات… (Ctrl+K)</translation>
    </message>
    <message>
      <source>Search chats</source>
      <translation>البحث في المحادثات</translation>
    </message>
    <message>
      <source>Conversations</source>
      <translation>المحادثات</translation>
    </message>
    <message>
      <source>No chats</source>
      <translation>لا محادثات</translation>
    </message>
    <message>
      <source>The chats could not be read: {reason}</source>
      <translation>تعذّرت قراءة المحادثات: {reason}</translation>
    </message>
    <message>
      <source>{title}
{n} messages</source>
      <translation>{title}
{n} رسائل</translation>
    </message>
    <message>
      <source>No chat contains “{query}”. Search looks through every message; try fewer or other words. Esc clears the search.</source>
      <translation>لا توجد محادثة تحتوي «{query}». يبحث البحث في كل الرسائل؛ جرّب كلمات أقل أو مختلفة. Esc يمسح البحث.</translation>
    </message>
    <message>
      <source>No chats yet.

Ask a question on the right: every chat is kept here, on this computer, to search (Ctrl+K), rename, export or delete.</source>
      <translation>لا محادثات بعد.

اطرح سؤالًا في الجهة المقابلة: تُحفظ كل محادثة هنا، على هذا الحاسوب، للبحث (Ctrl+K) وإعادة التسمية والتصدير والحذف.</translation>
    </message>
    <message>
      <source>Rename chat</source>
      <translation>إعادة تسمية المحادثة</translation>
    </message>
    <message>
      <source>Title:</source>
      <translation>العنوان:</translation>
    </message>
    <message>
      <source>Rename…</source>
      <translation>إعادة تسمية…</translation>
    </message>
    <message>
      <source>Export as Markdown…</source>
      <translation>تصدير بصيغة Markdown…</translation>
    </message>
    <message>
      <source>Export as JSON…</source>
      <translation>تصدير بصيغة JSON…</translation>
    </message>
    <message>
      <source>Delete</source>
      <translation>حذف</translation>
    </message>
  </context>
  <context>
    <name>DownloadControl</name>
    <message>
      <source>Download progress of {title}</source>
      <translation>تقدّم تنزيل {title}</translation>
    </message>
    <message>
      <source>Cancel</source>
      <translation>إلغاء</translation>
    </message>
    <message>
      <source>Cancel download of {title}</source>
      <translation>إلغاء تنزيل {title}</translation>
    </message>
    <message>
      <source>Stopping after the current chunk…</source>
      <translation>يتوقف بعد الجزء الحالي…</translation>
    </message>
    <message>
      <source>Contacting the model hub…</source>
      <translation>جارٍ الاتصال بمستودع النماذج…</translation>
    </message>
    <message>
      <source>Resume</source>
      <translation>استئناف</translation>
    </message>
    <message>
      <source>Download</source>
      <translation>تنزيل</translation>
    </message>
    <message>
      <source>Download {title}</source>
      <translation>تنزيل {title}</translation>
    </message>
    <message>
      <source>Paused at {done} of {total}</source>
      <translation>متوقف مؤقتًا عند {done} من {total}</translation>
    </message>
    <message>
      <source>{size} download</source>
      <translation>تنزيل بحجم {size}</translation>
    </message>
    <message>
      <source>Downloaded and verified</source>
      <translation>نُزّل وتُحقّق منه</translation>
    </message>
  </context>
  <context>
    <name>DropZone</name>
    <message>
      <source>Drop zone</source>
      <translation>منطقة الإفلات</translation>
    </message>
    <message>
      <source>Drop files or folders here</source>
      <translation>أفلت الملفات أو المجلدات هنا</translation>
    </message>
    <message>
      <source>PDF, Word, EPUB, Markdown, HTML, text and source code</source>
      <translation>PDF وWord وEPUB وMarkdown وHTML والنصوص والشيفرة المصدرية</translation>
    </message>
    <message>
      <source>Folders are read with everything inside them. The files stay where they are: the library keeps a searchable index of them on this computer.</source>
      <translation>تُقرأ المجلدات بكل ما فيها. تبقى الملفات في أماكنها: تحتفظ المكتبة بفهرس قابل للبحث لها على هذا الحاسوب.</translation>
    </message>
  </context>
  <context>
    <name>EditBar</name>
    <message>
      <source>Editing an earlier question</source>
      <translation>تحرير سؤال سابق</translation>
    </message>
    <message>
      <source>Edit mode</source>
      <translation>وضع التحرير</translation>
    </message>
    <message>
      <source>Cancel edit</source>
      <translation>إلغاء التحرير</translation>
    </message>
    <message>
      <source>Cancel editing and keep the chat as it is</source>
      <translation>ألغِ التحرير وأبقِ المحادثة كما هي</translation>
    </message>
    <message>
      <source>Leave edit mode (Esc); nothing in the chat changes</source>
      <translation>اخرج من وضع التحرير (Esc)؛ لا يتغير شيء في المحادثة</translation>
    </message>
    <message>
      <source>Editing an earlier question. Send replaces it and the {n} messages after it (you will be asked first). Esc or Cancel keeps the chat as it is.</source>
      <translation>تحرير سؤال سابق. «إرسال» يستبدله ويستبدل الرسائل الـ{n} التي تليه (سيُطلب تأكيدك أولًا). Esc أو «إلغاء» يُبقي المحادثة كما هي.</translation>
    </message>
    <message>
      <source>Editing your last question. Send replaces it and its answer. Esc or Cancel keeps the chat as it is.</source>
      <translation>تحرير سؤالك الأخير. «إرسال» يستبدله ويستبدل إجابته. Esc أو «إلغاء» يُبقي المحادثة كما هي.</translation>
    </message>
    <message>
      <source>Editing your last question. Send replaces it. Esc or Cancel keeps the chat as it is.</source>
      <translation>تحرير سؤالك الأخير. «إرسال» يستبدله. Esc أو «إلغاء» يُبقي المحادثة كما هي.</translation>
    </message>
  </context>
  <context>
    <name>EffortControl</name>
    <message>
      <source>Reasoning effort</source>
      <translation>جهد التفكير</translation>
    </message>
    <message>
      <source>How long the model thinks before it answers; the arrow keys change it</source>
      <translation>كم يفكر النموذج قبل أن يجيب؛ ومفاتيح الأسهم تغيّره</translation>
    </message>
    <message>
      <source>Reasoning</source>
      <translation>التفكير</translation>
    </message>
    <message>
      <source>Low</source>
      <translation>منخفض</translation>
    </message>
    <message>
      <source>Medium</source>
      <translation>متوسط</translation>
    </message>
    <message>
      <source>High</source>
      <translation>عالٍ</translation>
    </message>
    <message>
      <source>{effort} reasoning effort</source>
      <translation>جهد تفكير {effort}</translation>
    </message>
    <message>
      <source>Reasoning effort: {effort} (applies to the next message; the arrow keys change it)</source>
      <translation>جهد التفكير: {effort} (يسري على الرسالة التالية؛ ومفاتيح الأسهم تغيّره)</translation>
    </message>
  </context>
  <context>
    <name>EngineBox</name>
    <message>
      <source>API key</source>
      <translation>مفتاح الواجهة البرمجية</translation>
    </message>
    <message>
      <source>Type a key to keep it (leave empty if the server needs none)</source>
      <translation>اكتب مفتاحًا لحفظه (اتركه فارغًا إن لم يحتج الخادم إلى مفتاح)</translation>
    </message>
    <message>
      <source>Test connection lists the server's models</source>
      <translation>«اختبار الاتصال» يسرد نماذج الخادم</translation>
    </message>
    <message>
      <source>Type the engine URL first: the key is kept for that server.</source>
      <translation>اكتب عنوان المحرك أولًا: يُحفظ المفتاح لذلك الخادم.</translation>
    </message>
  </context>
  <context>
    <name>FieldEditor</name>
    <message>
      <source>{0} error</source>
      <translation>خطأ في {0}</translation>
    </message>
  </context>
  <context>
    <name>FirstRunView</name>
    <message>
      <source>Choose a model to chat with</source>
      <translation>اختر نموذجًا للمحادثة</translation>
    </message>
    <message>
      <source>Everything runs on this computer. The model is downloaded once; after that no network is needed.</source>
      <translation>كل شيء يعمل على هذا الحاسوب. يُنزَّل النموذج مرة واحدة، وبعدها لا حاجة إلى الشبكة.</translation>
    </message>
    <message>
      <source>Choose a model</source>
      <translation>اختر نموذجًا</translation>
    </message>
    <message>
      <source>Checking what this machine can run…</source>
      <translation>جارٍ التحقق مما يستطيع هذا الجهاز تشغيله…</translation>
    </message>
    <message>
      <source>What this machine can run</source>
      <translation>ما يستطيع هذا الجهاز تشغيله</translation>
    </message>
    <message>
      <source>Size, memory and speed</source>
      <translation>الحجم والذاكرة والسرعة</translation>
    </message>
    <message>
      <source>I already have a GGUF file…</source>
      <translation>لدي ملف GGUF بالفعل…</translation>
    </message>
    <message>
      <source>Open a GGUF model file you already have</source>
      <translation>افتح ملف نموذج GGUF موجودًا لديك</translation>
    </message>
    <message>
      <source>More models…</source>
      <translation>نماذج أخرى…</translation>
    </message>
    <message>
      <source>Show all models</source>
      <translation>عرض كل النماذج</translation>
    </message>
    <message>
      <source>Apple GPU with shared memory</source>
      <translation>معالج رسوميات Apple بذاكرة مشتركة</translation>
    </message>
    <message>
      <source>no GPU llama.cpp can use</source>
      <translation>لا يوجد معالج رسوميات يستطيع llama.cpp استخدامه</translation>
    </message>
    <message>
      <source>This machine: {ram} RAM, {gpu}.</source>
      <translation>هذا الجهاز: ذاكرة {ram}، {gpu}.</translation>
    </message>
  </context>
  <context>
    <name>GpuBuildNotice</name>
    <message>
      <source>GPU not used</source>
      <translation>معالج الرسوميات غير مستخدم</translation>
    </message>
    <message>
      <source>Command for the GPU build</source>
      <translation>أمر نسخة معالج الرسوميات</translation>
    </message>
    <message>
      <source>Copy command</source>
      <translation>نسخ الأمر</translation>
    </message>
    <message>
      <source>Copy the GPU build command</source>
      <translation>انسخ أمر نسخة معالج الرسوميات</translation>
    </message>
    <message>
      <source>{gpus} is not used: this build of the app runs on the CPU only.</source>
      <translation>{gpus} غير مستخدم: هذه النسخة من التطبيق تعمل على المعالج المركزي فقط.</translation>
    </message>
    <message>
      <source>A GPU build would run {model} about {factor:.0f}× faster here (estimate: ~{gpu:.0f} instead of ~{cpu:.0f} tokens/s, from memory bandwidth over the bytes read per token).</source>
      <translation>نسخة معالج الرسوميات ستشغّل {model} هنا أسرع بنحو {factor:.0f}× (تقدير: ~{gpu:.0f} بدلًا من ~{cpu:.0f} رمز/ث، من عرض نطاق الذاكرة مقسومًا على البايتات المقروءة لكل رمز).</translation>
    </message>
    <message>
      <source>A GPU build would use it (no speed estimate: the GPU's memory speed is unknown or the model would not fit on it).</source>
      <translation>نسخة معالج الرسوميات ستستخدمه (لا تقدير للسرعة: سرعة ذاكرته غير معروفة أو النموذج لن يتسع فيه).</translation>
    </message>
    <message>
      <source>To get it, run this in the app's source folder (it rebuilds llama.cpp with CUDA; needs the CUDA toolkit), then restart the app:</source>
      <translation>للحصول عليها، شغّل هذا في مجلد مصدر التطبيق (يعيد بناء llama.cpp مع CUDA؛ ويحتاج حزمة أدوات CUDA)، ثم أعد تشغيل التطبيق:</translation>
    </message>
  </context>
  <context>
    <name>Library</name>
    <message>
      <source>Name</source>
      <translation>الاسم</translation>
    </message>
    <message>
      <source>Type</source>
      <translation>النوع</translation>
    </message>
    <message>
      <source>Pages</source>
      <translation>الصفحات</translation>
    </message>
    <message>
      <source>Chunks</source>
      <translation>المقاطع</translation>
    </message>
    <message>
      <source>Status</source>
      <translation>الحالة</translation>
    </message>
    <message>
      <source>Watched</source>
      <translation>مُراقَب</translation>
    </message>
    <message>
      <source>indexed</source>
      <translation>مفهرس</translation>
    </message>
    <message>
      <source>error</source>
      <translation>خطأ</translation>
    </message>
    <message>
      <source>skipped</source>
      <translation>متخطّى</translation>
    </message>
    <message>
      <source>waiting</source>
      <translation>في الانتظار</translation>
    </message>
    <message>
      <source>yes</source>
      <translation>نعم</translation>
    </message>
    <message>
      <source>indexing {0} %</source>
      <translation>فهرسة {0} ٪</translation>
    </message>
    <message>
      <source>indexing</source>
      <translation>فهرسة</translation>
    </message>
  </context>
  <context>
    <name>LibraryBox</name>
    <message>
      <source>Token</source>
      <translation>الرمز المميز</translation>
    </message>
    <message>
      <source>user:password or an API key (leave empty if none)</source>
      <translation>user:password أو مفتاح API (اتركه فارغًا إن لم يوجد)</translation>
    </message>
    <message>
      <source>Type the Milvus URI first: the token is kept for that server.</source>
      <translation>اكتب عنوان Milvus أولًا: يُحفظ الرمز المميز لذلك الخادم.</translation>
    </message>
  </context>
  <context>
    <name>LibraryPane</name>
    <message>
      <source>Opening the library...</source>
      <translation>جارٍ فتح المكتبة...</translation>
    </message>
    <message>
      <source>Documents the chat can search and cite. They are read and indexed on this computer; the files stay where they are.</source>
      <translation>مستندات يمكن للمحادثة البحث فيها والاستشهاد بها. تُقرأ وتُفهرس على هذا الحاسوب؛ وتبقى الملفات في أماكنها.</translation>
    </message>
    <message>
      <source>Add files...</source>
      <translation>إضافة ملفات...</translation>
    </message>
    <message>
      <source>Add files to the library</source>
      <translation>أضف ملفات إلى المكتبة</translation>
    </message>
    <message>
      <source>Add folder...</source>
      <translation>إضافة مجلد...</translation>
    </message>
    <message>
      <source>Add a folder to the library</source>
      <translation>أضف مجلدًا إلى المكتبة</translation>
    </message>
    <message>
      <source>Remove...</source>
      <translation>إزالة...</translation>
    </message>
    <message>
      <source>Remove selected documents</source>
      <translation>إزالة المستندات المحددة</translation>
    </message>
    <message>
      <source>Watch added folders for changes</source>
      <translation>راقب المجلدات المضافة بحثًا عن تغييرات</translation>
    </message>
    <message>
      <source>Folders added while this is on are checked for new and changed files every minute</source>
      <translation>المجلدات المضافة أثناء تفعيل هذا يُتحقق منها كل دقيقة بحثًا عن ملفات جديدة أو معدّلة</translation>
    </message>
    <message>
      <source>Filter by name or folder</source>
      <translation>تصفية بالاسم أو المجلد</translation>
    </message>
    <message>
      <source>Filter documents</source>
      <translation>تصفية المستندات</translation>
    </message>
    <message>
      <source>Errors only</source>
      <translation>الأخطاء فقط</translation>
    </message>
    <message>
      <source>Documents</source>
      <translation>المستندات</translation>
    </message>
    <message>
      <source>Indexing progress</source>
      <translation>تقدّم الفهرسة</translation>
    </message>
    <message>
      <source>Cancel</source>
      <translation>إلغاء</translation>
    </message>
    <message>
      <source>Cancel indexing</source>
      <translation>إلغاء الفهرسة</translation>
    </message>
    <message>
      <source>Indexing is running: {0} item(s) will be added when it ends.</source>
      <translation>الفهرسة جارية: ستُضاف {0} من العناصر عند انتهائها.</translation>
    </message>
    <message>
      <source>Adding {0} item(s)...</source>
      <translation>جارٍ إضافة {0} من العناصر...</translation>
    </message>
    <message>
      <source>{0} documents</source>
      <translation>{0} مستندات</translation>
    </message>
    <message>
      <source>Remove {0} from the library? The files on disk are not touched; you can add them again later.</source>
      <translation>إزالة {0} من المكتبة؟ لا تُمس الملفات على القرص؛ ويمكنك إضافتها لاحقًا.</translation>
    </message>
    <message>
      <source>Remove from library</source>
      <translation>إزالة من المكتبة</translation>
    </message>
    <message>
      <source>Removed {0}.</source>
      <translation>أُزيل {0}.</translation>
    </message>
    <message>
      <source>Remove</source>
      <translation>إزالة</translation>
    </message>
    <message>
      <source>waiting for the embedding model</source>
      <translation>في انتظار نموذج التضمين</translation>
    </message>
    <message>
      <source>waiting to be added</source>
      <translation>في انتظار الإضافة</translation>
    </message>
    <message>
      <source> · ETA {0}</source>
      <translation> · المتبقي {0}</translation>
    </message>
    <message>
      <source>files {0}/{1} · chunks {2}</source>
      <translation>الملفات {0}/{1} · المقاطع {2}</translation>
    </message>
    <message>
      <source>{0} indexed ({1} chunks)</source>
      <translation>فُهرس {0} ({1} مقاطع)</translation>
    </message>
    <message>
      <source>{0} unchanged</source>
      <translation>{0} دون تغيير</translation>
    </message>
    <message>
      <source>{0} with errors</source>
      <translation>{0} بها أخطاء</translation>
    </message>
    <message>
      <source>{0} skipped</source>
      <translation>تُخطّي {0}</translation>
    </message>
    <message>
      <source>{0} removed</source>
      <translation>أُزيل {0}</translation>
    </message>
    <message>
      <source>Cancelled: {0}.</source>
      <translation>أُلغي: {0}.</translation>
    </message>
    <message>
      <source>Done: {0}.</source>
      <translation>تم: {0}.</translation>
    </message>
    <message>
      <source>{0} of {1} shown</source>
      <translation>يُعرض {0} من {1}</translation>
    </message>
    <message numerus="yes">
      <source>%n item(s)</source>
      <translation>
        <numerusform>لا عناصر</numerusform>
        <numerusform>عنصر واحد</numerusform>
        <numerusform>عنصران</numerusform>
        <numerusform>%n عناصر</numerusform>
        <numerusform>%n عنصرًا</numerusform>
        <numerusform>%n عنصر</numerusform>
      </translation>
    </message>
    <message>
      <source>{0} item(s) wait for the embedding model: set it up above and they are indexed at once.</source>
      <translation>{0} من العناصر تنتظر نموذج التضمين: اضبطه في الأعلى وستُفهرس فورًا.</translation>
    </message>
    <message>
      <source>Set up the embedding model above to start your library.</source>
      <translation>اضبط نموذج التضمين في الأعلى لتبدأ مكتبتك.</translation>
    </message>
    <message>
      <source>Ready.</source>
      <translation>جاهز.</translation>
    </message>
  </context>
  <context>
    <name>LibrarySetup</name>
    <message>
      <source>Library set-up</source>
      <translation>إعداد المكتبة</translation>
    </message>
    <message>
      <source>Set up the library</source>
      <translation>إعداد المكتبة</translation>
    </message>
    <message>
      <source>Use {0}</source>
      <translation>استخدام {0}</translation>
    </message>
    <message>
      <source>Use the downloaded embedding model</source>
      <translation>استخدم نموذج التضمين المُنزَّل</translation>
    </message>
    <message>
      <source>Choose a file…</source>
      <translation>اختر ملفًا…</translation>
    </message>
    <message>
      <source>Choose an embedding model file</source>
      <translation>اختر ملف نموذج تضمين</translation>
    </message>
    <message>
      <source>Get {0}, or choose</source>
      <translation>نزّل {0}، أو اختر</translation>
    </message>
    <message>
      <source>Choose</source>
      <translation>اختر</translation>
    </message>
    <message>
      <source>Documents are searched with a small embedding model that runs on this computer. {0} a GGUF embedding model you have; what you add waits in the list below and is indexed as soon as the model is ready.</source>
      <translation>يُبحث في المستندات بنموذج تضمين صغير يعمل على هذا الحاسوب. {0} نموذج تضمين GGUF لديك؛ وما تضيفه ينتظر في القائمة أدناه ويُفهرس فور جهوزية النموذج.</translation>
    </message>
    <message>
      <source>The embedding model {0} is missing.</source>
      <translation>نموذج التضمين {0} مفقود.</translation>
    </message>
    <message>
      <source>Choose an embedding model</source>
      <translation>اختر نموذج تضمين</translation>
    </message>
    <message>
      <source>GGUF models (*.gguf);;All files (*)</source>
      <translation>نماذج GGUF (*.gguf);;كل الملفات (*)</translation>
    </message>
  </context>
  <context>
    <name>LocalApiController</name>
    <message>
      <source>The API key could not be saved: {reason}</source>
      <translation>تعذّر حفظ مفتاح الواجهة البرمجية: {reason}</translation>
    </message>
    <message>
      <source>Port {port} is in use by another program: choose another port, or Any free port.</source>
      <translation>المنفذ {port} يستخدمه برنامج آخر: اختر منفذًا آخر، أو «أي منفذ حر».</translation>
    </message>
    <message>
      <source>The local API could not start: {reason}</source>
      <translation>تعذّر تشغيل الواجهة البرمجية المحلية: {reason}</translation>
    </message>
  </context>
  <context>
    <name>LocalApiPanel</name>
    <message>
      <source>Local API status</source>
      <translation>حالة الواجهة البرمجية المحلية</translation>
    </message>
    <message>
      <source>Copy address</source>
      <translation>نسخ العنوان</translation>
    </message>
    <message>
      <source>Copy the API address</source>
      <translation>انسخ عنوان الواجهة البرمجية</translation>
    </message>
    <message>
      <source>API key</source>
      <translation>مفتاح الواجهة البرمجية</translation>
    </message>
    <message>
      <source>Copy key</source>
      <translation>نسخ المفتاح</translation>
    </message>
    <message>
      <source>Copy the API key</source>
      <translation>انسخ مفتاح الواجهة البرمجية</translation>
    </message>
    <message>
      <source>Regenerate</source>
      <translation>إعادة التوليد</translation>
    </message>
    <message>
      <source>Make a new API key</source>
      <translation>أنشئ مفتاح API جديدًا</translation>
    </message>
    <message>
      <source>Make a new key; clients using the old one are refused</source>
      <translation>أنشئ مفتاحًا جديدًا؛ وتُرفض العملاء التي تستخدم القديم</translation>
    </message>
    <message>
      <source>Key</source>
      <translation>المفتاح</translation>
    </message>
    <message>
      <source>The local API is off. Choose who may use it above to serve the loaded model.</source>
      <translation>الواجهة البرمجية المحلية متوقفة. اختر في الأعلى من يمكنه استخدامها لتقديم النموذج المحمّل.</translation>
    </message>
    <message>
      <source>Starting the local API…</source>
      <translation>جارٍ تشغيل الواجهة البرمجية المحلية…</translation>
    </message>
    <message>
      <source>Serving on {url}</source>
      <translation>تُقدَّم على {url}</translation>
    </message>
    <message>
      <source>The local API is not part of this window.</source>
      <translation>الواجهة البرمجية المحلية ليست جزءًا من هذه النافذة.</translation>
    </message>
    <message>
      <source>It is kept in the system keychain.</source>
      <translation>يُحفظ في سلسلة مفاتيح النظام.</translation>
    </message>
    <message>
      <source>It is kept in {file}, readable only by you.</source>
      <translation>يُحفظ في {file}، ولا يقرؤه أحد سواك.</translation>
    </message>
    <message>
      <source>Clients send it as 'Authorization: Bearer KEY'. {where}</source>
      <translation>يرسله العملاء بصيغة 'Authorization: Bearer KEY'. {where}</translation>
    </message>
    <message>
      <source>No key is asked for: any program on this computer may use the API.</source>
      <translation>لا يُطلب مفتاح: يمكن لأي برنامج على هذا الحاسوب استخدام الواجهة البرمجية.</translation>
    </message>
    <message>
      <source>Other computers use this computer's network address in place of 127.0.0.1.</source>
      <translation>تستخدم الحواسيب الأخرى عنوان هذا الحاسوب على الشبكة بدلًا من 127.0.0.1.</translation>
    </message>
    <message>
      <source>Make a new API key?</source>
      <translation>إنشاء مفتاح API جديد؟</translation>
    </message>
    <message>
      <source>Programs using the current key will be refused until they are given the new one.</source>
      <translation>ستُرفض البرامج التي تستخدم المفتاح الحالي حتى تُعطى المفتاح الجديد.</translation>
    </message>
  </context>
  <context>
    <name>MainWindow</name>
    <message>
      <source>Library</source>
      <translation>المكتبة</translation>
    </message>
    <message>
      <source>Chat</source>
      <translation>المحادثة</translation>
    </message>
    <message>
      <source>Settings</source>
      <translation>الإعدادات</translation>
    </message>
    <message>
      <source>Models</source>
      <translation>النماذج</translation>
    </message>
    <message>
      <source>Undo</source>
      <translation>تراجع</translation>
    </message>
    <message>
      <source>Undo delete</source>
      <translation>التراجع عن الحذف</translation>
    </message>
    <message>
      <source>gpt-oss-desktop: everything runs on this computer</source>
      <translation>gpt-oss-desktop: كل شيء يعمل على هذا الحاسوب</translation>
    </message>
    <message>
      <source>gpt-oss-desktop {version}: everything runs on this computer</source>
      <translation>gpt-oss-desktop {version}: كل شيء يعمل على هذا الحاسوب</translation>
    </message>
    <message>
      <source>chat</source>
      <translation>محادثة</translation>
    </message>
    <message>
      <source>Deleted “{title}”</source>
      <translation>حُذفت «{title}»</translation>
    </message>
    <message>
      <source>Restored</source>
      <translation>استُعيدت</translation>
    </message>
  </context>
  <context>
    <name>Markdown</name>
    <message>
      <source>Copy</source>
      <translation>نسخ</translation>
    </message>
  </context>
  <context>
    <name>ModelBar</name>
    <message>
      <source>Where questions go</source>
      <translation>وجهة الأسئلة</translation>
    </message>
    <message>
      <source>Chat model</source>
      <translation>نموذج المحادثة</translation>
    </message>
    <message>
      <source>Chat models on this computer and on the remote engine</source>
      <translation>نماذج المحادثة على هذا الحاسوب وعلى المحرك البعيد</translation>
    </message>
    <message>
      <source>Open model…</source>
      <translation>فتح نموذج…</translation>
    </message>
    <message>
      <source>Open a GGUF model file</source>
      <translation>افتح ملف نموذج GGUF</translation>
    </message>
    <message>
      <source>Models…</source>
      <translation>النماذج…</translation>
    </message>
    <message>
      <source>Manage models</source>
      <translation>إدارة النماذج</translation>
    </message>
    <message>
      <source>{model} · {host}</source>
      <translation>{model} · {host}</translation>
    </message>
    <message>
      <source>Connecting to {host}…</source>
      <translation>جارٍ الاتصال بـ{host}…</translation>
    </message>
    <message>
      <source>Loading {name}…</source>
      <translation>جارٍ تحميل {name}…</translation>
    </message>
    <message>
      <source>Open a gpt-oss model</source>
      <translation>افتح نموذج gpt-oss</translation>
    </message>
    <message>
      <source>GGUF models (*.gguf);;All files (*)</source>
      <translation>نماذج GGUF (*.gguf);;كل الملفات (*)</translation>
    </message>
    <message>
      <source>{reason}
Still using {name}.</source>
      <translation>{reason}
ما زال {name} قيد الاستخدام.</translation>
    </message>
    <message>
      <source>Model: {name} · remote engine · context {n_ctx} tokens</source>
      <translation>النموذج: {name} · محرك بعيد · سياق {n_ctx} رمز</translation>
    </message>
    <message>
      <source>{name} on {host} ready</source>
      <translation>{name} على {host} جاهز</translation>
    </message>
    <message>
      <source>Model: {name} · {placement} · context {n_ctx} tokens · loaded in {s} s</source>
      <translation>النموذج: {name} · {placement} · سياق {n_ctx} رمز · حُمّل في {s} ث</translation>
    </message>
    <message>
      <source>{name} ready</source>
      <translation>{name} جاهز</translation>
    </message>
    <message>
      <source>{reason}
Still using {name}: you can keep chatting.</source>
      <translation>{reason}
ما زال {name} قيد الاستخدام: يمكنك متابعة المحادثة.</translation>
    </message>
    <message>
      <source>Could not switch models; still using {name}.</source>
      <translation>تعذّر تبديل النموذج؛ ما زال {name} قيد الاستخدام.</translation>
    </message>
    <message>
      <source>Questions go to {host}</source>
      <translation>تُرسل الأسئلة إلى {host}</translation>
    </message>
    <message>
      <source>Your questions, the chat so far and the library passages found for them are sent to {url}</source>
      <translation>تُرسل أسئلتك والمحادثة حتى الآن ومقاطع المكتبة الموجودة لها إلى {url}</translation>
    </message>
    <message>
      <source>No model yet. Choose a gpt-oss .gguf file with “Open model…” (for example gpt-oss-20b-mxfp4.gguf); the app remembers it.</source>
      <translation>لا نموذج بعد. اختر ملف gpt-oss بصيغة ‎.gguf عبر «فتح نموذج…» (مثل gpt-oss-20b-mxfp4.gguf)؛ وسيتذكره التطبيق.</translation>
    </message>
  </context>
  <context>
    <name>ModelsView</name>
    <message>
      <source>size unknown</source>
      <translation>الحجم غير معروف</translation>
    </message>
    <message>
      <source>about {size}</source>
      <translation>نحو {size}</translation>
    </message>
    <message>
      <source>about {size} (computed)</source>
      <translation>نحو {size} (محسوب)</translation>
    </message>
    <message>
      <source>As the publisher's page states it, rounded: {source}</source>
      <translation>كما تذكره صفحة الناشر، مقرّبًا: {source}</translation>
    </message>
    <message>
      <source>Computed from the model's shape (its tensors; the file's header adds a few MB). Model page: {source}</source>
      <translation>محسوب من بنية النموذج (موتِّراته؛ ويضيف رأس الملف بضعة ميغابايت). صفحة النموذج: {source}</translation>
    </message>
    <message>
      <source>The exact size, from the model hub or the file on disk.</source>
      <translation>الحجم الدقيق، من مستودع النماذج أو من الملف على القرص.</translation>
    </message>
    <message>
      <source>needs {n} GB of RAM</source>
      <translation>يحتاج {n} غيغابايت من الذاكرة</translation>
    </message>
    <message>
      <source>{ram} and {gpu} GB of GPU memory</source>
      <translation>{ram} و{gpu} غيغابايت من ذاكرة معالج الرسوميات</translation>
    </message>
    <message>
      <source>estimated ~{n} tok/s here</source>
      <translation>نحو {n} رمز/ث هنا (تقدير)</translation>
    </message>
    <message>
      <source>Estimate: memory bandwidth divided by the bytes one token reads (the weights it passes through and the chat so far). RAM speed is measured here; GPU speed comes from the driver.</source>
      <translation>تقدير: عرض نطاق الذاكرة مقسومًا على البايتات التي يقرؤها الرمز الواحد (الأوزان التي يمر بها والمحادثة حتى الآن). سرعة الذاكرة مقيسة هنا؛ وسرعة معالج الرسوميات من برنامج التشغيل.</translation>
    </message>
    <message>
      <source>fit unknown</source>
      <translation>الملاءمة غير معروفة</translation>
    </message>
    <message>
      <source>Fit: {label}</source>
      <translation>الملاءمة: {label}</translation>
    </message>
    <message>
      <source>Its size is not known: check sizes online.</source>
      <translation>حجمه غير معروف: تحقّق من الأحجام عبر الإنترنت.</translation>
    </message>
    <message>
      <source>Models</source>
      <translation>النماذج</translation>
    </message>
    <message>
      <source>Check sizes online</source>
      <translation>التحقق من الأحجام عبر الإنترنت</translation>
    </message>
    <message>
      <source>Ask the model hub for exact file sizes and checksums</source>
      <translation>اطلب من مستودع النماذج أحجام الملفات الدقيقة وبصماتها</translation>
    </message>
    <message>
      <source>Import GGUF…</source>
      <translation>استيراد GGUF…</translation>
    </message>
    <message>
      <source>Import a GGUF model file</source>
      <translation>استيراد ملف نموذج GGUF</translation>
    </message>
    <message>
      <source>Close</source>
      <translation>إغلاق</translation>
    </message>
    <message>
      <source>Close the Models view</source>
      <translation>أغلق عرض النماذج</translation>
    </message>
    <message>
      <source>Models list</source>
      <translation>قائمة النماذج</translation>
    </message>
    <message>
      <source>What this computer can run, and getting it here. Once downloaded, everything runs without a network.</source>
      <translation>ما يستطيع هذا الحاسوب تشغيله، وكيفية الحصول عليه. بعد التنزيل يعمل كل شيء دون شبكة.</translation>
    </message>
    <message>
      <source>Asking the model hub…</source>
      <translation>جارٍ سؤال مستودع النماذج…</translation>
    </message>
    <message>
      <source>Sizes and checksums are up to date.</source>
      <translation>الأحجام والبصمات محدّثة.</translation>
    </message>
    <message>
      <source>the link only</source>
      <translation>الرابط فقط</translation>
    </message>
    <message>
      <source>Delete {file} ({size})? You can download it again later.</source>
      <translation>حذف {file} ({size})؟ يمكنك تنزيله مجددًا لاحقًا.</translation>
    </message>
    <message>
      <source>Remove model</source>
      <translation>إزالة النموذج</translation>
    </message>
    <message>
      <source>Could not remove {file}: {reason}</source>
      <translation>تعذّرت إزالة {file}: {reason}</translation>
    </message>
    <message>
      <source>Removed {file}, {size} freed.</source>
      <translation>أُزيل {file}، وتحرّر {size}.</translation>
    </message>
    <message>
      <source>Removed {file}.</source>
      <translation>أُزيل {file}.</translation>
    </message>
    <message>
      <source>Importing {file}…</source>
      <translation>جارٍ استيراد {file}…</translation>
    </message>
    <message>
      <source>Imported {file}.</source>
      <translation>استُورد {file}.</translation>
    </message>
    <message>
      <source>Import a GGUF model</source>
      <translation>استيراد نموذج GGUF</translation>
    </message>
    <message>
      <source>GGUF models (*.gguf);;All files (*)</source>
      <translation>نماذج GGUF (*.gguf);;كل الملفات (*)</translation>
    </message>
    <message>
      <source>Import model</source>
      <translation>استيراد نموذج</translation>
    </message>
    <message>
      <source>Copy {file} into the app's models folder, or link to it where it is?</source>
      <translation>نسخ {file} إلى مجلد نماذج التطبيق، أم الربط به في مكانه؟</translation>
    </message>
    <message>
      <source>Copy</source>
      <translation>نسخ</translation>
    </message>
    <message>
      <source>Link</source>
      <translation>ربط</translation>
    </message>
  </context>
  <context>
    <name>NavRail</name>
    <message>
      <source>Navigation</source>
      <translation>التنقل</translation>
    </message>
    <message>
      <source>{pane} ({keys})</source>
      <translation>{pane} ({keys})</translation>
    </message>
    <message>
      <source>Shows the {pane} pane ({keys})</source>
      <translation>يعرض قسم {pane} ({keys})</translation>
    </message>
  </context>
  <context>
    <name>Notice</name>
    <message>
      <source>Notice</source>
      <translation>تنبيه</translation>
    </message>
  </context>
  <context>
    <name>PathEditor</name>
    <message>
      <source>Not set</source>
      <translation>غير محدد</translation>
    </message>
    <message>
      <source>Browse…</source>
      <translation>استعراض…</translation>
    </message>
    <message>
      <source>Browse for {0}</source>
      <translation>استعراض بحثًا عن {0}</translation>
    </message>
    <message>
      <source>Type the full path of the file, or use Browse…</source>
      <translation>اكتب المسار الكامل للملف، أو استخدم «استعراض…»</translation>
    </message>
    <message>
      <source>Choose a GGUF file</source>
      <translation>اختر ملف GGUF</translation>
    </message>
    <message>
      <source>GGUF models (*.gguf);;All files (*)</source>
      <translation>نماذج GGUF (*.gguf);;كل الملفات (*)</translation>
    </message>
  </context>
  <context>
    <name>QGuiApplication</name>
    <message>
      <source>QT_LAYOUT_DIRECTION</source>
      <translation>RTL</translation>
    </message>
  </context>
  <context>
    <name>RailPanes</name>
    <message>
      <source>Panes</source>
      <translation>الأقسام</translation>
    </message>
  </context>
  <context>
    <name>Settings</name>
    <message>
      <source>Model &amp; runtime</source>
      <translation>النموذج والتشغيل</translation>
    </message>
    <message>
      <source>Reasoning</source>
      <translation>التفكير</translation>
    </message>
    <message>
      <source>Sampling</source>
      <translation>أخذ العينات</translation>
    </message>
    <message>
      <source>Library</source>
      <translation>المكتبة</translation>
    </message>
    <message>
      <source>Appearance</source>
      <translation>المظهر</translation>
    </message>
    <message>
      <source>Local API</source>
      <translation>الواجهة البرمجية المحلية</translation>
    </message>
    <message>
      <source>Chat model</source>
      <translation>نموذج المحادثة</translation>
    </message>
    <message>
      <source>A gpt-oss GGUF file. Manage models… downloads one.</source>
      <translation>ملف GGUF لنموذج gpt-oss. «إدارة النماذج…» تنزّل واحدًا.</translation>
    </message>
    <message>
      <source>Context length</source>
      <translation>طول السياق</translation>
    </message>
    <message>
      <source>How much of the conversation the model sees at once; more needs more memory.</source>
      <translation>كم يرى النموذج من المحادثة دفعة واحدة؛ والمزيد يحتاج ذاكرة أكبر.</translation>
    </message>
    <message>
      <source> tokens</source>
      <translation> رمز</translation>
    </message>
    <message>
      <source>GPU layers</source>
      <translation>طبقات معالج الرسوميات</translation>
    </message>
    <message>
      <source>Auto fits as many layers as the GPU's free memory holds; 0 runs on the CPU only.</source>
      <translation>«تلقائي» يضع من الطبقات ما تتسع له ذاكرة معالج الرسوميات الحرة؛ و0 يعمل على المعالج المركزي فقط.</translation>
    </message>
    <message>
      <source> layers</source>
      <translation> طبقة</translation>
    </message>
    <message>
      <source>Auto</source>
      <translation>تلقائي</translation>
    </message>
    <message>
      <source>MoE experts</source>
      <translation>خبراء MoE</translation>
    </message>
    <message>
      <source>In RAM lets a GPU with a few GB run the model: slower, but it fits.</source>
      <translation>«في الذاكرة» يتيح لمعالج رسوميات ببضعة غيغابايتات تشغيل النموذج: أبطأ، لكنه يتسع.</translation>
    </message>
    <message>
      <source>On the GPU</source>
      <translation>على معالج الرسوميات</translation>
    </message>
    <message>
      <source>In RAM</source>
      <translation>في الذاكرة</translation>
    </message>
    <message>
      <source>CPU threads</source>
      <translation>خيوط المعالج</translation>
    </message>
    <message>
      <source>Auto uses the CPU cores llama.cpp finds best for this machine.</source>
      <translation>«تلقائي» يستخدم أنوية المعالج التي يراها llama.cpp الأنسب لهذا الجهاز.</translation>
    </message>
    <message>
      <source> threads</source>
      <translation> خيط</translation>
    </message>
    <message>
      <source>The model runs on</source>
      <translation>يعمل النموذج على</translation>
    </message>
    <message>
      <source>A remote engine is an OpenAI-compatible server (vLLM, llama-server, ...) your questions are sent to.</source>
      <translation>المحرك البعيد خادم متوافق مع OpenAI (vLLM وllama-server و...) تُرسل إليه أسئلتك.</translation>
    </message>
    <message>
      <source>This computer (GGUF)</source>
      <translation>هذا الحاسوب (GGUF)</translation>
    </message>
    <message>
      <source>Remote engine</source>
      <translation>محرك بعيد</translation>
    </message>
    <message>
      <source>Engine URL</source>
      <translation>عنوان المحرك</translation>
    </message>
    <message>
      <source>The server's base URL as OpenAI clients take it, e.g. http://gpu-server.local:8000/v1.</source>
      <translation>العنوان الأساسي للخادم كما تأخذه عملاء OpenAI، مثل http://gpu-server.local:8000/v1.</translation>
    </message>
    <message>
      <source>Engine model</source>
      <translation>نموذج المحرك</translation>
    </message>
    <message>
      <source>The model id the server lists in /v1/models.</source>
      <translation>معرّف النموذج كما يدرجه الخادم في ‎/v1/models.</translation>
    </message>
    <message>
      <source>Engine timeout</source>
      <translation>مهلة المحرك</translation>
    </message>
    <message>
      <source>Give up when the server stays silent this long (a busy server may need more).</source>
      <translation>توقّف عن الانتظار إذا صمت الخادم هذه المدة (قد يحتاج الخادم المشغول أكثر).</translation>
    </message>
    <message>
      <source> s</source>
      <translation> ث</translation>
    </message>
    <message>
      <source>Reasoning effort</source>
      <translation>جهد التفكير</translation>
    </message>
    <message>
      <source>How long the model thinks before it answers; the chat's effort switch overrides it.</source>
      <translation>كم يفكر النموذج قبل أن يجيب؛ ومفتاح الجهد في المحادثة يتقدّم عليه.</translation>
    </message>
    <message>
      <source>Low</source>
      <translation>منخفض</translation>
    </message>
    <message>
      <source>Medium</source>
      <translation>متوسط</translation>
    </message>
    <message>
      <source>High</source>
      <translation>عالٍ</translation>
    </message>
    <message>
      <source>Instructions</source>
      <translation>التعليمات</translation>
    </message>
    <message>
      <source>Sent before every conversation, e.g. "Answer in French."</source>
      <translation>تُرسل قبل كل محادثة، مثل "أجب بالفرنسية."</translation>
    </message>
    <message>
      <source>Temperature</source>
      <translation>درجة الحرارة</translation>
    </message>
    <message>
      <source>Lower is more predictable, higher more varied; 1.0 is what OpenAI recommends.</source>
      <translation>الأقل أكثر قابلية للتوقع، والأعلى أكثر تنوعًا؛ و1.0 ما توصي به OpenAI.</translation>
    </message>
    <message>
      <source>Top-p</source>
      <translation>Top-p</translation>
    </message>
    <message>
      <source>Only the likeliest tokens that together reach this probability are considered.</source>
      <translation>لا يُنظر إلا في الرموز الأرجح التي تبلغ معًا هذا الاحتمال.</translation>
    </message>
    <message>
      <source>Top-k</source>
      <translation>Top-k</translation>
    </message>
    <message>
      <source>Only this many of the likeliest tokens are considered; Off is slower on fast GPUs.</source>
      <translation>لا يُنظر إلا في هذا العدد من الرموز الأرجح؛ و«متوقف» أبطأ على معالجات الرسوميات السريعة.</translation>
    </message>
    <message>
      <source>Off</source>
      <translation>متوقف</translation>
    </message>
    <message>
      <source>Min-p</source>
      <translation>Min-p</translation>
    </message>
    <message>
      <source>Drops tokens less likely than this share of the likeliest one.</source>
      <translation>يستبعد الرموز الأقل احتمالًا من هذه النسبة من الرمز الأرجح.</translation>
    </message>
    <message>
      <source>Repeat penalty</source>
      <translation>عقوبة التكرار</translation>
    </message>
    <message>
      <source>Above 1.0 discourages repeating words; 1.0 leaves the model as it is.</source>
      <translation>ما فوق 1.0 يثبّط تكرار الكلمات؛ و1.0 يترك النموذج كما هو.</translation>
    </message>
    <message>
      <source>Answer length limit</source>
      <translation>حد طول الإجابة</translation>
    </message>
    <message>
      <source>An answer stops here, thinking included.</source>
      <translation>تتوقف الإجابة هنا، بما فيها التفكير.</translation>
    </message>
    <message>
      <source>Seed</source>
      <translation>البذرة</translation>
    </message>
    <message>
      <source>A fixed number repeats the same answer to the same question.</source>
      <translation>الرقم الثابت يكرر الإجابة نفسها للسؤال نفسه.</translation>
    </message>
    <message>
      <source>Random</source>
      <translation>عشوائية</translation>
    </message>
    <message>
      <source>Embedding model</source>
      <translation>نموذج التضمين</translation>
    </message>
    <message>
      <source>A GGUF embedding model (e.g. bge-small); the Library pane offers one.</source>
      <translation>نموذج تضمين GGUF (مثل bge-small)؛ وقسم المكتبة يعرض واحدًا.</translation>
    </message>
    <message>
      <source>Sources per question</source>
      <translation>المصادر لكل سؤال</translation>
    </message>
    <message>
      <source>How many passages of your documents go with each question.</source>
      <translation>كم مقطعًا من مستنداتك يُرسل مع كل سؤال.</translation>
    </message>
    <message>
      <source> sources</source>
      <translation> مصدر</translation>
    </message>
    <message>
      <source>Library use</source>
      <translation>استخدام المكتبة</translation>
    </message>
    <message>
      <source>Search once sends the best passages with each question; browsing lets the model search and read your documents itself, which takes longer.</source>
      <translation>«البحث مرة واحدة» يرسل أفضل المقاطع مع كل سؤال؛ و«التصفح» يدع النموذج يبحث في مستنداتك ويقرؤها بنفسه، وهذا يستغرق وقتًا أطول.</translation>
    </message>
    <message>
      <source>Search once</source>
      <translation>البحث مرة واحدة</translation>
    </message>
    <message>
      <source>Let the model browse</source>
      <translation>دع النموذج يتصفح</translation>
    </message>
    <message>
      <source>Passage size</source>
      <translation>حجم المقطع</translation>
    </message>
    <message>
      <source>Documents are cut into passages of this size; applies to files indexed from now on.</source>
      <translation>تُقسّم المستندات إلى مقاطع بهذا الحجم؛ ويسري على الملفات المفهرسة من الآن.</translation>
    </message>
    <message>
      <source>Passage overlap</source>
      <translation>تداخل المقاطع</translation>
    </message>
    <message>
      <source>Text shared by neighbouring passages, so a sentence is not cut in two.</source>
      <translation>نص مشترك بين المقاطع المتجاورة، كي لا تنقسم جملة إلى نصفين.</translation>
    </message>
    <message>
      <source>Library kept</source>
      <translation>مكان المكتبة</translation>
    </message>
    <message>
      <source>A Milvus server lets a team share one library; your documents' passages are sent to it.</source>
      <translation>يتيح خادم Milvus لفريق مشاركة مكتبة واحدة؛ وتُرسل إليه مقاطع مستنداتك.</translation>
    </message>
    <message>
      <source>On this computer</source>
      <translation>على هذا الحاسوب</translation>
    </message>
    <message>
      <source>Milvus server</source>
      <translation>خادم Milvus</translation>
    </message>
    <message>
      <source>Milvus URI</source>
      <translation>عنوان Milvus</translation>
    </message>
    <message>
      <source>The server's address, e.g. http://milvus.local:19530.</source>
      <translation>عنوان الخادم، مثل http://milvus.local:19530.</translation>
    </message>
    <message>
      <source>Database</source>
      <translation>قاعدة البيانات</translation>
    </message>
    <message>
      <source>The Milvus database to use; empty means "default".</source>
      <translation>قاعدة بيانات Milvus المستخدمة؛ والفارغ يعني "default".</translation>
    </message>
    <message>
      <source>Theme</source>
      <translation>السمة</translation>
    </message>
    <message>
      <source>Light or dark; by default the app follows the operating system's choice.</source>
      <translation>فاتحة أو داكنة؛ ويتبع التطبيق افتراضيًا اختيار نظام التشغيل.</translation>
    </message>
    <message>
      <source>Follow the system</source>
      <translation>اتباع النظام</translation>
    </message>
    <message>
      <source>Light</source>
      <translation>فاتحة</translation>
    </message>
    <message>
      <source>Dark</source>
      <translation>داكنة</translation>
    </message>
    <message>
      <source>Language</source>
      <translation>اللغة</translation>
    </message>
    <message>
      <source>The window's language; a change applies the next time the app starts.</source>
      <translation>لغة النافذة؛ ويسري التغيير عند تشغيل التطبيق في المرة القادمة.</translation>
    </message>
    <message>
      <source>English</source>
      <translation>English</translation>
    </message>
    <message>
      <source>العربية (Arabic)</source>
      <translation>العربية</translation>
    </message>
    <message>
      <source>Serves the loaded model to editors, scripts and agents; on the network a key is always required.</source>
      <translation>تقدّم النموذج المحمّل للمحررات والسكربتات والوكلاء؛ وعلى الشبكة يلزم المفتاح دائمًا.</translation>
    </message>
    <message>
      <source>This computer only</source>
      <translation>هذا الحاسوب فقط</translation>
    </message>
    <message>
      <source>This computer and the network</source>
      <translation>هذا الحاسوب والشبكة</translation>
    </message>
    <message>
      <source>Port</source>
      <translation>المنفذ</translation>
    </message>
    <message>
      <source>Clients connect to http://127.0.0.1:PORT/v1; pick another if this one is taken.</source>
      <translation>يتصل العملاء بـ http://127.0.0.1:PORT/v1؛ اختر منفذًا آخر إن كان هذا مشغولًا.</translation>
    </message>
    <message>
      <source>Any free port</source>
      <translation>أي منفذ حر</translation>
    </message>
    <message>
      <source>API key</source>
      <translation>مفتاح الواجهة البرمجية</translation>
    </message>
    <message>
      <source>Clients send the key as 'Authorization: Bearer KEY'; the network always needs it.</source>
      <translation>يرسل العملاء المفتاح بصيغة 'Authorization: Bearer KEY'؛ والشبكة تحتاجه دائمًا.</translation>
    </message>
    <message>
      <source>Required</source>
      <translation>مطلوب</translation>
    </message>
    <message>
      <source>Not required (this computer only)</source>
      <translation>غير مطلوب (هذا الحاسوب فقط)</translation>
    </message>
    <message>
      <source>Web pages allowed</source>
      <translation>صفحات الويب المسموح بها</translation>
    </message>
    <message>
      <source>Origins of web pages that may call the API from a browser, e.g. http://localhost:3000; separate several with spaces. Empty: none.</source>
      <translation>أصول صفحات الويب التي يمكنها استدعاء الواجهة من متصفح، مثل http://localhost:3000؛ افصل بين عدة أصول بمسافات. فارغ: لا شيء.</translation>
    </message>
    <message>
      <source>Largest request</source>
      <translation>أكبر طلب</translation>
    </message>
    <message>
      <source>A request larger than this is refused.</source>
      <translation>يُرفض أي طلب أكبر من هذا.</translation>
    </message>
    <message>
      <source> MB</source>
      <translation> ميغابايت</translation>
    </message>
    <message>
      <source>Open requests at most</source>
      <translation>أقصى عدد للطلبات المفتوحة</translation>
    </message>
    <message>
      <source>More requests than this at once are told to try again shortly.</source>
      <translation>إذا تجاوزت الطلبات هذا العدد معًا يُطلب منها المحاولة بعد قليل.</translation>
    </message>
    <message>
      <source> requests</source>
      <translation> طلب</translation>
    </message>
  </context>
  <context>
    <name>SettingsPane</name>
    <message>
      <source>Model settings changed: they apply when the model is reloaded.</source>
      <translation>تغيّرت إعدادات النموذج: تسري عند إعادة تحميله.</translation>
    </message>
    <message>
      <source>Reload model now</source>
      <translation>إعادة تحميل النموذج الآن</translation>
    </message>
    <message>
      <source>Restore defaults</source>
      <translation>استعادة الافتراضي</translation>
    </message>
    <message>
      <source>Restore {0} defaults</source>
      <translation>استعادة افتراضيات {0}</translation>
    </message>
    <message>
      <source>Put every {0} setting back to its default (model files stay)</source>
      <translation>أعد كل إعدادات {0} إلى افتراضيها (تبقى ملفات النماذج)</translation>
    </message>
    <message>
      <source>Manage models…</source>
      <translation>إدارة النماذج…</translation>
    </message>
    <message>
      <source>Manage models</source>
      <translation>إدارة النماذج</translation>
    </message>
    <message>
      <source>Data &amp; privacy</source>
      <translation>البيانات والخصوصية</translation>
    </message>
    <message>
      <source>Your chats, documents index and models are kept in:</source>
      <translation>تُحفظ محادثاتك وفهرس مستنداتك ونماذجك في:</translation>
    </message>
    <message>
      <source>Data folder</source>
      <translation>مجلد البيانات</translation>
    </message>
    <message>
      <source>Open folder</source>
      <translation>فتح المجلد</translation>
    </message>
    <message>
      <source>Open data folder</source>
      <translation>فتح مجلد البيانات</translation>
    </message>
  </context>
  <context>
    <name>SourceViewer</name>
    <message>
      <source>{name} (source)</source>
      <translation>{name} (المصدر)</translation>
    </message>
    <message>
      <source>Source document</source>
      <translation>المستند المصدر</translation>
    </message>
    <message>
      <source>Document text</source>
      <translation>نص المستند</translation>
    </message>
    <message>
      <source>Open in default app</source>
      <translation>فتح في التطبيق الافتراضي</translation>
    </message>
    <message>
      <source>Open this document in the system's default app</source>
      <translation>افتح هذا المستند في التطبيق الافتراضي للنظام</translation>
    </message>
  </context>
  <context>
    <name>ThinkingBlock</name>
    <message>
      <source>Reasoning</source>
      <translation>التفكير</translation>
    </message>
    <message>
      <source>Tool steps</source>
      <translation>خطوات الأدوات</translation>
    </message>
    <message>
      <source>Thinking… {n} s</source>
      <translation>يفكر… {n} ث</translation>
    </message>
    <message>
      <source>Using a tool… {n} s</source>
      <translation>يستخدم أداة… {n} ث</translation>
    </message>
    <message>
      <source>Thought</source>
      <translation>فكّر</translation>
    </message>
    <message>
      <source>Thought for &lt;1 s</source>
      <translation>فكّر أقل من ثانية</translation>
    </message>
    <message>
      <source>Thought for {n} s</source>
      <translation>فكّر {n} ث</translation>
    </message>
    <message>
      <source>Tool steps ({n})</source>
      <translation>خطوات الأدوات ({n})</translation>
    </message>
    <message>
      <source>reasoning</source>
      <translation>التفكير</translation>
    </message>
    <message>
      <source>tool steps</source>
      <translation>خطوات الأدوات</translation>
    </message>
    <message>
      <source>Hide the {what}</source>
      <translation>إخفاء {what}</translation>
    </message>
    <message>
      <source>Show the {what}</source>
      <translation>إظهار {what}</translation>
    </message>
    <message>
      <source>{action}: {title}</source>
      <translation>{action}: {title}</translation>
    </message>
  </context>
  <context>
    <name>ToolsCard</name>
    <message>
      <source>Tools</source>
      <translation>الأدوات</translation>
    </message>
    <message>
      <source>Tools (MCP servers)</source>
      <translation>الأدوات (خوادم MCP)</translation>
    </message>
    <message>
      <source>MCP servers give gpt-oss tools: a clock, your files, git, and more. Every call is shown to you first and runs only if you allow it. The list is kept in mcp.json, the file other desktop apps use.</source>
      <translation>تمنح خوادم MCP نموذج gpt-oss أدوات: ساعة، وملفاتك، وgit، وغيرها. يُعرض عليك كل استدعاء أولًا ولا يُنفَّذ إلا إن سمحت به. تُحفظ القائمة في mcp.json، الملف الذي تستخدمه تطبيقات سطح المكتب الأخرى.</translation>
    </message>
    <message>
      <source>Name</source>
      <translation>الاسم</translation>
    </message>
    <message>
      <source>Command or URL</source>
      <translation>الأمر أو العنوان</translation>
    </message>
    <message>
      <source>Status</source>
      <translation>الحالة</translation>
    </message>
    <message>
      <source>MCP servers</source>
      <translation>خوادم MCP</translation>
    </message>
    <message>
      <source>Add…</source>
      <translation>إضافة…</translation>
    </message>
    <message>
      <source>Add an MCP server</source>
      <translation>إضافة خادم MCP</translation>
    </message>
    <message>
      <source>Remove</source>
      <translation>إزالة</translation>
    </message>
    <message>
      <source>Remove the selected MCP server</source>
      <translation>أزل خادم MCP المحدد</translation>
    </message>
    <message>
      <source>Import mcp.json…</source>
      <translation>استيراد mcp.json…</translation>
    </message>
    <message>
      <source>Import the servers of another app's mcp.json</source>
      <translation>استورد خوادم ملف mcp.json لتطبيق آخر</translation>
    </message>
    <message>
      <source>Check servers</source>
      <translation>فحص الخوادم</translation>
    </message>
    <message>
      <source>Start each server once and list its tools</source>
      <translation>شغّل كل خادم مرة واحدة واسرد أدواته</translation>
    </message>
    <message>
      <source>not checked</source>
      <translation>لم يُفحص</translation>
    </message>
    <message>
      <source>ready</source>
      <translation>جاهز</translation>
    </message>
    <message>
      <source>{status}: {tools}</source>
      <translation>{status}: {tools}</translation>
    </message>
    <message>
      <source>Added {name}. Check servers to see its tools.</source>
      <translation>أُضيف {name}. افحص الخوادم لترى أدواته.</translation>
    </message>
    <message>
      <source>Select a server to remove.</source>
      <translation>حدّد خادمًا لإزالته.</translation>
    </message>
    <message>
      <source>Removed {names}.</source>
      <translation>أُزيل {names}.</translation>
    </message>
    <message>
      <source>{path} does not exist.</source>
      <translation>{path} غير موجود.</translation>
    </message>
    <message>
      <source>Imported {n} server(s): {names}.</source>
      <translation>استُورد {n} من الخوادم: {names}.</translation>
    </message>
    <message>
      <source>Import an mcp.json</source>
      <translation>استيراد ملف mcp.json</translation>
    </message>
    <message>
      <source>MCP configuration (*.json);;All files (*)</source>
      <translation>إعدادات MCP ‏(*.json);;كل الملفات (*)</translation>
    </message>
    <message>
      <source>Starting {n} server(s)…</source>
      <translation>جارٍ تشغيل {n} من الخوادم…</translation>
    </message>
    <message>
      <source>{ready} of {n} server(s) started.</source>
      <translation>بدأ {ready} من {n} خوادم.</translation>
    </message>
  </context>
  <context>
    <name>ToolsToggle</name>
    <message>
      <source>Let gpt-oss use tools in this chat</source>
      <translation>دع gpt-oss يستخدم الأدوات في هذه المحادثة</translation>
    </message>
    <message>
      <source>Ask again before every tool call</source>
      <translation>اسأل من جديد قبل كل استدعاء أداة</translation>
    </message>
    <message>
      <source>Tools (unavailable)</source>
      <translation>الأدوات (غير متاحة)</translation>
    </message>
    <message>
      <source>Tools cannot be used: {reason}</source>
      <translation>لا يمكن استخدام الأدوات: {reason}</translation>
    </message>
    <message>
      <source>Tools ({n})</source>
      <translation>الأدوات ({n})</translation>
    </message>
    <message>
      <source>Tools</source>
      <translation>الأدوات</translation>
    </message>
    <message>
      <source>{n} tools from your MCP servers (Settings → Tools); each call is shown to you first and runs only if you allow it</source>
      <translation>{n} أدوات من خوادم MCP لديك (الإعدادات ← الأدوات)؛ يُعرض عليك كل استدعاء أولًا ولا يُنفَّذ إلا إن سمحت به</translation>
    </message>
    <message>
      <source>Your MCP servers are starting (Settings → Tools)</source>
      <translation>خوادم MCP لديك قيد التشغيل (الإعدادات ← الأدوات)</translation>
    </message>
    <message>
      <source>Always allowed: {names} (right-click to be asked again)</source>
      <translation>مسموح دائمًا: {names} (انقر بالزر الأيمن ليُطلب رأيك من جديد)</translation>
    </message>
  </context>
  <context>
    <name>UserMessage</name>
    <message>
      <source>Your message</source>
      <translation>رسالتك</translation>
    </message>
    <message>
      <source>Copy</source>
      <translation>نسخ</translation>
    </message>
    <message>
      <source>Copy your message</source>
      <translation>انسخ رسالتك</translation>
    </message>
    <message>
      <source>Edit</source>
      <translation>تحرير</translation>
    </message>
    <message>
      <source>Edit and resend this message</source>
      <translation>حرّر هذه الرسالة وأعد إرسالها</translation>
    </message>
  </context>
  <context>
    <name>Welcome</name>
    <message>
      <source>New chat</source>
      <translation>محادثة جديدة</translation>
    </message>
    <message>
      <source>What can I help with?</source>
      <translation>كيف أستطيع مساعدتك؟</translation>
    </message>
    <message>
      <source>Everything runs on this computer; nothing you type leaves it. Try one of these:</source>
      <translation>كل شيء يعمل على هذا الحاسوب؛ ولا شيء مما تكتبه يغادره. جرّب أحد هذه:</translation>
    </message>
    <message>
      <source>Explain how a heat pump works, simply</source>
      <translation>اشرح ببساطة كيف تعمل المضخة الحرارية</translation>
    </message>
    <message>
      <source>Write a Python function that removes duplicate lines</source>
      <translation>اكتب دالة Python تزيل الأسطر المكررة</translation>
    </message>
    <message>
      <source>Draft a polite email asking for a deadline extension</source>
      <translation>اكتب مسودة بريد مهذب تطلب تمديد موعد التسليم</translation>
    </message>
    <message>
      <source>Summarise the key points of a file I attach</source>
      <translation>لخّص النقاط الرئيسية لملف أرفقه</translation>
    </message>
    <message>
      <source>Suggestion: {text}</source>
      <translation>اقتراح: {text}</translation>
    </message>
    <message>
      <source>Put this question in the message box</source>
      <translation>ضع هذا السؤال في مربع الرسالة</translation>
    </message>
    <message>
      <source>Enter sends · Shift+Enter adds a line · Tab moves on · Ctrl+K searches your chats · Ctrl+N starts a new one.</source>
      <translation>Enter يرسل · Shift+Enter يضيف سطرًا · Tab ينتقل · Ctrl+K يبحث في محادثاتك · Ctrl+N يبدأ محادثة جديدة.</translation>
    </message>
    <message>
      <source>Tick “Use library” to answer from your {n} indexed documents, with sources.</source>
      <translation>حدّد «استخدام المكتبة» للإجابة من مستنداتك المفهرسة الـ{n} مع المصادر.</translation>
    </message>
    <message>
      <source>Drop documents on the Library pane to ask questions about them; attach a file here for this chat only.</source>
      <translation>أفلت المستندات على قسم المكتبة لتسأل عنها؛ أو أرفق ملفًا هنا لهذه المحادثة فقط.</translation>
    </message>
  </context>
  <context>
    <name>_MachineBox</name>
    <message>
      <source>This machine</source>
      <translation>هذا الجهاز</translation>
    </message>
    <message>
      <source>RAM</source>
      <translation>الذاكرة</translation>
    </message>
    <message>
      <source>GPU</source>
      <translation>معالج الرسوميات</translation>
    </message>
    <message>
      <source>Disk</source>
      <translation>القرص</translation>
    </message>
    <message>
      <source>Backend</source>
      <translation>الواجهة الخلفية</translation>
    </message>
    <message>
      <source>Unified memory</source>
      <translation>الذاكرة الموحدة</translation>
    </message>
    <message>
      <source>{total} ({free} free now)</source>
      <translation>{total} ({free} متاحة الآن)</translation>
    </message>
    <message>
      <source>{name}: {total} VRAM ({free} free)</source>
      <translation>{name}: ذاكرة رسوميات {total} ({free} متاحة)</translation>
    </message>
    <message>
      <source>Apple GPU (shares RAM)</source>
      <translation>معالج رسوميات Apple (يشارك الذاكرة)</translation>
    </message>
    <message>
      <source>none found</source>
      <translation>لم يُعثر على شيء</translation>
    </message>
    <message>
      <source>no</source>
      <translation>لا</translation>
    </message>
    <message>
      <source>yes: the GPU may use {budget} of {total}</source>
      <translation>نعم: يمكن لمعالج الرسوميات استخدام {budget} من {total}</translation>
    </message>
    <message>
      <source> (estimated)</source>
      <translation> (تقدير)</translation>
    </message>
    <message>
      <source> (this build runs on the CPU only)</source>
      <translation> (هذه النسخة تعمل على المعالج المركزي فقط)</translation>
    </message>
    <message>
      <source>{free} free for models</source>
      <translation>{free} متاحة للنماذج</translation>
    </message>
    <message>
      <source>Models folder: {path}</source>
      <translation>مجلد النماذج: {path}</translation>
    </message>
  </context>
  <context>
    <name>_ModelRow</name>
    <message>
      <source>in use</source>
      <translation>قيد الاستخدام</translation>
    </message>
    <message>
      <source>recommended</source>
      <translation>موصى به</translation>
    </message>
    <message>
      <source>installed</source>
      <translation>مثبّت</translation>
    </message>
    <message>
      <source>Status of {title}</source>
      <translation>حالة {title}</translation>
    </message>
    <message>
      <source>Size, memory and speed of {title}</source>
      <translation>حجم {title} وذاكرته وسرعته</translation>
    </message>
    <message>
      <source>In use</source>
      <translation>قيد الاستخدام</translation>
    </message>
    <message>
      <source>Use</source>
      <translation>استخدام</translation>
    </message>
    <message>
      <source>Use {title}</source>
      <translation>استخدام {title}</translation>
    </message>
    <message>
      <source>Remove…</source>
      <translation>إزالة…</translation>
    </message>
    <message>
      <source>Remove {title}</source>
      <translation>إزالة {title}</translation>
    </message>
  </context>
  <context>
    <name>_ServerBox</name>
    <message>
      <source>Forget</source>
      <translation>نسيان</translation>
    </message>
    <message>
      <source>Forget the kept secret</source>
      <translation>انسَ السر المحفوظ</translation>
    </message>
    <message>
      <source>Test connection</source>
      <translation>اختبار الاتصال</translation>
    </message>
    <message>
      <source>Connection test result</source>
      <translation>نتيجة اختبار الاتصال</translation>
    </message>
    <message>
      <source>None kept for this address.</source>
      <translation>لا شيء محفوظ لهذا العنوان.</translation>
    </message>
    <message>
      <source>Kept in the system keychain, not in the settings file.</source>
      <translation>محفوظ في سلسلة مفاتيح النظام، لا في ملف الإعدادات.</translation>
    </message>
    <message>
      <source>Kept in {file}, readable by you only (no keychain here).</source>
      <translation>محفوظ في {file}، ولا يقرؤه أحد سواك (لا سلسلة مفاتيح هنا).</translation>
    </message>
    <message>
      <source>Testing…</source>
      <translation>جارٍ الاختبار…</translation>
    </message>
  </context>
  <context>
    <name>launch</name>
    <message>
      <source>gpt-oss-desktop is already open on this data folder but does not answer; close it (or end its process) and start it again.</source>
      <translation>gpt-oss-desktop مفتوح بالفعل على مجلد البيانات هذا لكنه لا يستجيب؛ أغلقه (أو أنهِ عمليته) ثم شغّله من جديد.</translation>
    </message>
    <message>
      <source>gpt-oss-desktop could not start</source>
      <translation>تعذّر تشغيل gpt-oss-desktop</translation>
    </message>
  </context>
</TS>
