# صفحات الويب باللغة العربية الفصحى.

## إطار كل صفحة

skip-to-content = انتقل إلى المحتوى
nav-main = القائمة الرئيسية
account-change-password = تغيير كلمة المرور
log-out = تسجيل الخروج
language-switcher = اللغة
language-choose = تغيير

## القائمة

nav-overview = نظرة عامة
nav-users = المستخدمون
nav-courses = المقررات
nav-sessions = الحصص
nav-justifications = المبررات
nav-rejections = المرفوضات
nav-audit = سجل التدقيق
nav-api-tokens = رموز واجهة البرمجة
nav-check-in = تسجيل الحضور
nav-history = حضوري

## صفحة تسجيل الدخول

login-title = تسجيل الدخول
login-heading = تسجيل الدخول
login-username = اسم المستخدم أو البريد الإلكتروني
login-password = كلمة المرور
login-submit = دخول
login-or = أو
login-with = الدخول عبر { $provider }
sso-logout-provider = تم تسجيل خروجك من ClassTrack. سجّل الخروج أيضًا من { $provider }
sso-provider-refused = لم يسجّل مزوّد الهوية دخولك ({ $error }). يُرجى المحاولة مجددًا.
sso-callback-incomplete = ردّ مزوّد الهوية غير مكتمل. يُرجى بدء تسجيل الدخول من جديد.
sso-other-browser = بدأ تسجيل الدخول هذا في متصفح آخر أو منذ وقت طويل. يُرجى بدؤه من جديد هنا.

## صفحات الأخطاء

error-not-allowed = غير مسموح

## لاختبارات المكتبة (قواعد الجمع)

test-students = { $count ->
    [zero] لا يوجد طلاب
    [one] طالب واحد
    [two] طالبان
    [few] { $count } طلاب
    [many] { $count } طالبًا
   *[other] { $count } طالب
}

## صفحات الأخطاء وجمل حالات واجهة البرمجة

error-title-page-not-found = الصفحة غير موجودة
error-page-not-found = لا يوجد شيء في هذا العنوان. تحقق من الرابط أو عد إلى صفحتك الرئيسية.
error-title-too-large = بيانات كثيرة جدًا
error-too-large = ما أرسلته كبير جدًا. قسّم الملف وحاول مرة أخرى.
error-title-missing = هناك شيء ناقص
error-title-not-found = غير موجود
error-title-not-allowed = غير مسموح
error-title-too-many = محاولات كثيرة جدًا
error-title-unavailable = ClassTrack لا يستجيب
error-title-unimplemented = غير متاح بعد
error-title-failed = لم تنجح العملية
error-title-wrong = حدث خطأ ما
error-done = تم.
error-log-in-again = يرجى تسجيل الدخول مرة أخرى.
error-unavailable = تعذّر الوصول إلى خدمة الحضور. حاول مرة أخرى بعد دقيقة.
error-unimplemented = هذا الجزء من ClassTrack غير متاح على هذا الخادم بعد.
error-internal = لم يتمكن الخادم من إتمام العملية. حاول مرة أخرى، وإن تكرر ذلك فأبلغ المسؤول.
error-too-many-wait = محاولات كثيرة جدًا. انتظر { $wait } ثم حاول مرة أخرى.
error-too-many = محاولات كثيرة جدًا. انتظر قليلًا ثم حاول مرة أخرى.
error-denied = غير مسموح لك بالقيام بذلك.
error-not-found = هذا غير موجود، أو قد حُذف.
error-other = لم تنجح العملية. تحقق مما أدخلته وحاول مرة أخرى.

## المدد

duration-a-second = ثانية واحدة
duration-seconds = { $count ->
    [two] ثانيتان
    [few] { $count } ثوانٍ
    [many] { $count } ثانية
   *[other] { $count } ثانية
}
duration-minutes = { $count ->
    [one] دقيقة واحدة
    [two] دقيقتان
    [few] { $count } دقائق
    [many] { $count } دقيقة
   *[other] { $count } دقيقة
}

## كلمات تتكرر في عدة صفحات

word-status-present = حاضر
word-status-late = متأخر
word-status-excused = معذور
word-status-absent = غائب
word-status-none = لم يسجَّل بعد
word-role-admin = مسؤول
word-role-professor = أستاذ
word-role-student = طالب
word-state-scheduled = مجدولة
word-state-open = مفتوحة
word-state-closed = مغلقة
word-state-cancelled = ملغاة
chart-roll-column = { $session }: { $present } حاضر، { $late } متأخر، { $excused } معذور، { $absent } غائب
page-could-not-be-shown = تعذّر عرض هذه الصفحة. حاول مرة أخرى.

## صفحة تسجيل حضور الطالب

student-check-in = سجّل حضوري
student-camera-help = افتح تطبيق الكاميرا في هاتفك ووجّهه نحو الرمز المعروض على الشاشة؛ فيفتح صفحة تسجيل الحضور. أو اكتب الرمز المكوّن من ستة أرقام أدناه.
student-location-hint = الحصة المفتوحة الآن تتحقق من وجودك في القاعة: اسمح بتحديد الموقع عندما يطلب هاتفك ذلك.
location-needs-js = مشاركة موقعك تحتاج إلى JavaScript. فعّل JavaScript لهذا الموقع، أو اطلب من أستاذك أن يسجّلك حاضرًا.
student-type-code = اكتب الرمز
student-none-open = لا توجد حصة مفتوحة لتسجيل الحضور الآن.
student-session = الحصة
student-several-open = { $count ->
    [two] حصتان مفتوحتان
    [few] { $count } حصص مفتوحة
   *[other] { $count } حصة مفتوحة
}: اختر الحصة التي أنت فيها. يُتحقَّق من الرمز لهذه الحصة فقط.
student-code-label = الرمز المعروض على الشاشة
student-code-submit = سجّل حضوري بالرمز
student-today = اليوم
student-no-sessions-today = لا توجد حصص اليوم.
scanner-point = وجّه الكاميرا نحو الرمز المعروض على الشاشة.
scanner-stop = أوقف الكاميرا
scanner-unsupported = هذا المتصفح لا يستطيع قراءة رموز QR بنفسه. افتح تطبيق الكاميرا في هاتفك ووجّهه نحو الرمز المعروض على الشاشة، أو اكتب الرمز المكوّن من ستة أرقام أدناه.
scanner-denied = تعذّر فتح الكاميرا. اسمح بالوصول إلى الكاميرا، أو استخدم تطبيق الكاميرا في هاتفك، أو اكتب الرمز أدناه.
scanner-found = عُثر على الرمز. جارٍ تسجيل حضورك…
location-blocked = تحديد الموقع محظور لهذا الموقع. اسمح به في متصفحك (غالبًا الأيقونة بجانب العنوان، أو إعدادات الهاتف)، ثم حاول مرة أخرى. إن لم تستطع، فاطلب من أستاذك أن يسجّلك حاضرًا.
location-unavailable = لم يتمكن هاتفك من تحديد مكانه. فعّل تحديد الموقع (GPS) وحاول مرة أخرى، أو اطلب من أستاذك أن يسجّلك حاضرًا.
location-timeout = استغرق تحديد موقعك وقتًا طويلًا. فعّل تحديد الموقع (GPS)، واقترب من نافذة وحاول مرة أخرى، أو اطلب من أستاذك أن يسجّلك حاضرًا.
location-unsupported = هذا المتصفح لا يستطيع مشاركة موقعه. استخدم المتصفح المعتاد في هاتفك، أو اطلب من أستاذك أن يسجّلك حاضرًا.
location-finding = جارٍ تحديد موقعك…
location-found = تم تحديد الموقع. جارٍ تسجيل حضورك…
projector-closed = أُغلق تسجيل الحضور لهذه الحصة.

## سبب رفض تسجيل الحضور، في كلمات قليلة

reason-unspecified = لم يُسجَّل الحضور
reason-not-student = للطلاب فقط
reason-token-malformed = ليس رمز ClassTrack
reason-session-not-found = حصة غير معروفة
reason-token-expired = انتهت صلاحية الرمز
reason-wrong-session = حصة خاطئة
reason-session-not-open-yet = لم تُفتح بعد
reason-session-closed = الحصة مغلقة
reason-session-cancelled = الحصة ملغاة
reason-not-enrolled = غير مسجَّل في المقرر
reason-device-in-use = الجهاز مستخدم من قبل
reason-location-required = الموقع مطلوب
reason-outside-geofence = خارج القاعة
reason-address-not-allowed = شبكة خاطئة
reason-code-invalid = رمز خاطئ
reason-too-many-attempts = رموز خاطئة كثيرة
reason-scan-proof-invalid = المسح غير مثبت

## بعد تسجيل الحضور

checkin-against = تم التحقق لحصة { $session }.
checkin-location-go-back = ارجع، واكتب الرمز المعروض على الشاشة الآن، واسمح بتحديد الموقع عندما يطلب هاتفك ذلك.
checkin-location-press = اضغط الزر واسمح بتحديد الموقع عندما يطلب هاتفك ذلك. يُستخدم موقعك فقط للتحقق من وجودك في القاعة، ولا يُحفَظ.
checkin-location-share = شارك موقعي وسجّل حضوري
checkin-location-none-came = لم يصل أي موقع مع تسجيل حضورك. مشاركة موقعك تحتاج إلى JavaScript: فعّله لهذا الموقع، أو اطلب من أستاذك أن يسجّلك حاضرًا.
checkin-location-needs-js = مشاركة موقعك تحتاج إلى JavaScript. فعّل JavaScript لهذا الموقع وامسح الرمز مرة أخرى، أو اطلب من أستاذك أن يسجّلك حاضرًا.
checkin-back = العودة إلى تسجيل الحضور
checkin-location-invalid = موقع غير مفهوم
checkin-location-invalid-detail = أرسل متصفحك موقعًا غير صالح. ارجع وحاول مرة أخرى.
checkin-already-recorded = سُجِّل حضورك من قبل في { $time }. لم يتغير شيء.
checkin-recorded = سُجِّل في { $time }.
checkin-try-again = حاول مرة أخرى
checkin-too-many-attempts = محاولات كثيرة جدًا
checkin-location-required-detail = هذه الحصة تتحقق من وجودك في القاعة، لذا تحتاج إلى موقع هاتفك.
checkin-outside-geofence-detail = موقع هاتفك خارج نطاق هذه الحصة. إن كنت في القاعة، ففعّل تحديد الموقع الدقيق (GPS)، واقترب من نافذة وامسح الرمز الحالي مرة أخرى، أو اطلب من أستاذك أن يسجّلك.
checkin-scan-again = امسح مرة أخرى
checkin-scan-too-old = مسحك قديم الآن. امسح الرمز المعروض على الشاشة مرة أخرى.
checkin-choose-session = اختر الحصة التي أنت فيها، ثم اكتب رمزها.
login-ended = انتهت جلستك. يرجى تسجيل الدخول مرة أخرى.
login-scan-kept = حُفظ مسحك لمقرر { $course } في { $time }. سجّل الدخول خلال { $within } ليُسجَّل حضورك.
login-wrong = اسم المستخدم أو كلمة المرور غير صحيحة.
login-logged-out = تم تسجيل خروجك.

## سجل حضور الطالب

history-rate-by-course = نسبة الحضور حسب المقرر
history-rate-chart = نسبة الحضور في كل مقرر
history-limit-reached = بلغتَ حدّ الغياب
history-limit-near = أنت قريب من حدّ الغياب
history-session = الحصة
history-status = الحالة
history-action = إجراء
history-justify = تبرير
history-coming-up = القادمة
history-counts = { $count ->
    [zero] لا حصص
    [one] حصة واحدة
    [two] حصتان
    [few] { $count } حصص
   *[other] { $count } حصة
}: { $present } حاضر، { $late } متأخر، { $excused } معذور، { $absent } غائب

## الحصص: القوائم، كشف الحضور، العرض

field-date = التاريخ
field-starts = البداية
field-ends = النهاية
field-room = القاعة
field-title = العنوان
field-title-optional = العنوان (اختياري)
action-save = حفظ
action-edit = تعديل
col-when = الموعد
col-time = الوقت
col-course = المقرر
col-state = الحالة
col-actions = الإجراءات
col-student = الطالب
col-how = الطريقة
col-mark = التسجيل
link-roll = كشف الحضور
link-projector = العرض
sessions-span = اليوم والأسبوعان القادمان.
sessions-none = لا توجد حصص في الأسبوعين القادمين. أنشئها من صفحة المقرر.
session-back-to-roll = العودة إلى كشف الحضور
session-edit = تعديل الحصة
session-need-start = أدخل تاريخًا ووقت بداية.
session-need-end = أدخل وقت النهاية.
session-need-times = أدخل تاريخًا ووقت بداية ووقت نهاية.
session-need-minutes = أدخل المدة بالدقائق.
session-ends-before-start = تنتهي الحصة قبل أن تبدأ: تحقق من وقت النهاية.
session-created = أُنشئت الحصة.
session-saved = حُفظت الحصة.
session-cancelled-done = أُلغيت الحصة. لا تُحتسب لأحد.
session-closed-done = { $count ->
    [0] أُغلقت الحصة.
    [one] أُغلقت الحصة؛ سُجّل طالب واحد غائبًا.
    [two] أُغلقت الحصة؛ سُجّل طالبان غائبَين.
    [few] أُغلقت الحصة؛ سُجّل { $count } طلاب غائبين.
   *[other] أُغلقت الحصة؛ سُجّل { $count } طالبًا غائبًا.
}
roll-title = كشف حضور { $course }
roll-choose-status = اختر حالة أولًا.
roll-marked = سُجّل: { $status }.
roll-open-projector = افتح العرض
roll-close-confirm = هل تغلق تسجيل الحضور الآن؟ كل من ليس له تسجيل يصبح غائبًا.
roll-close-now = أغلق الآن
roll-cancel-session = إلغاء الحصة
roll-cancel-reason = السبب (اختياري)
roll-cancel-this = ألغِ هذه الحصة
count-enrolled = مسجَّل
count-present = حاضر
count-late = متأخر
count-excused = معذور
count-absent = غائب
count-not-yet = لم يسجَّل بعد
roll-shared-device = جهاز مشترك
roll-shared-device-hint = استُخدم هذا الجهاز لطالب آخر
roll-status-for = حالة { $name }
roll-choose = اختر…
roll-note-for = ملاحظة عن { $name }
roll-note = ملاحظة
roll-nobody = لا يوجد طلاب مسجَّلون بعد.
roll-add-students = أضف طلابًا
how-qr = QR
how-code = بالرمز
how-manual = يدويًا
how-close = عند الإغلاق
how-justification = مبرَّر
how-qr-at = QR في { $time }
how-code-at = بالرمز في { $time }
how-manual-at = يدويًا في { $time }
how-close-at = عند الإغلاق في { $time }
how-justification-at = مبرَّر في { $time }
projector-full-screen = ملء الشاشة
projector-opens-at = يُفتح تسجيل الحضور في
projector-appears = يظهر الرمز هنا تلقائيًا عند الفتح.
projector-no-code = لا يوجد رمز لعرضه.
projector-not-open = لم يُفتح تسجيل الحضور بعد
projector-scan = امسح بكاميرا هاتفك
projector-or-type = أو اكتب الرمز
projector-new-code-in = رمز جديد خلال
projector-seconds-unit = ث
projector-checked-in = سجّلوا حضورهم

## التبريرات

justify-title = تبرير غياب
justify-reason = السبب
justify-document = مستند (اختياري: PDF أو PNG أو JPEG، بحد أقصى 2 ميغابايت)
justify-send = إرسال
justify-sent = أُرسل تبريرك. سترى القرار هنا.
justifications-filter = تصفية
justifications-nothing = لا شيء هنا.
justifications-how-before = لتبرير غياب، افتح
justifications-how-after = واختر «تبرير» بجانبه.
justifications-sent = أُرسل { $when }
justifications-attachment = المرفق:
justifications-comment = تعليق:
justifications-comment-optional = تعليق (اختياري)
justifications-approve = قبول
justifications-reject = رفض
justifications-state-pending = بانتظار القرار
justifications-state-approved = مقبول
justifications-state-rejected = مرفوض
justifications-tab-pending = بالانتظار
justifications-tab-approved = المقبولة
justifications-tab-rejected = المرفوضة
justifications-tab-all = الكل
justifications-approved-done = قُبل: أصبح الغياب بعذر.
justifications-rejected-done = رُفض.

## المقررات

field-code = الرمز
field-term = الفصل الدراسي
field-time-zone = المنطقة الزمنية
courses-search-label = البحث في المقررات
courses-search-placeholder = الرمز أو العنوان
courses-search = بحث
courses-none = لا توجد مقررات بعد.
courses-students = الطلاب
courses-links = الروابط
courses-report = التقرير
courses-new = مقرر جديد
courses-code-example = الرمز (مثلًا CS101-2026F)
courses-professors = الأساتذة
courses-no-professors = لا يوجد أساتذة بعد: أنشئ حساباتهم أولًا في صفحة المستخدمين.
courses-create = إنشاء المقرر
courses-by-admin = ينشئ المسؤول المقررات الجديدة ويعيّن أساتذتها.
course-created = أُنشئ المقرر { $code }.
course-students = { $count ->
    [zero] لا طلاب
    [one] طالب واحد
    [two] طالبان
    [few] { $count } طلاب
   *[other] { $count } طالبًا
}
course-times-in = الأوقات بتوقيت { $zone }
course-settings = الإعدادات
course-none-today = لا توجد حصة اليوم.
course-upcoming = القادمة
course-nothing-scheduled = لا شيء مجدول.
course-new-session = حصة جديدة
course-create-session = إنشاء الحصة
course-series = سلسلة أسبوعية
course-days = الأيام
course-minutes = الدقائق
course-from = من
course-until = إلى
course-skip-dates = تواريخ تُستثنى (YYYY-MM-DD، مفصولة بفواصل)
course-create-series = إنشاء السلسلة
course-past = السابقة
course-no-past = لا توجد حصص سابقة.
weekday-monday = الاثنين
weekday-tuesday = الثلاثاء
weekday-wednesday = الأربعاء
weekday-thursday = الخميس
weekday-friday = الجمعة
weekday-saturday = السبت
weekday-sunday = الأحد

## تقرير المقرر

report-title = تقرير الحضور
report-title-of = تقرير { $course }
report-download-csv = تنزيل CSV
report-download-semicolon = تنزيل لبرنامج Excel الفرنسي (CSV بفاصلة منقوطة)
report-download-semicolon-hint = مفصول بفواصل منقوطة مع فاصلة عشرية: ما تفتحه مباشرة النسخ الفرنسية ومعظم النسخ الأوروبية من Excel
report-download-xlsx = تنزيل Excel
report-overall = نسبة الحضور الإجمالية:
report-held = { $count ->
    [zero] لم تُعقد أي حصة بعد
    [one] حصة واحدة عُقدت حتى الآن
    [two] حصتان عُقدتا حتى الآن
    [few] { $count } حصص عُقدت حتى الآن
   *[other] { $count } حصة عُقدت حتى الآن
}
report-per-session = الحضور في كل حصة
report-chart-title = الطلاب الحاضرون والمتأخرون والمعذورون والغائبون في كل حصة
report-matrix-label = جدول الحضور
report-number = الرقم
report-rate = النسبة
report-warning = تنبيه
report-over-limit = تجاوز الحد
report-near-limit = قريب من الحد
report-key = ح حاضر · ت متأخر · ع معذور · غ غائب · · لا تسجيل بعد
report-short-present = ح
report-short-late = ت
report-short-excused = ع
report-short-absent = غ

## صفحات ليست للزائر، والنماذج

page-not-found = غير موجود
page-not-yours = لا يوجد هنا شيء لك: إما أنه غير موجود، أو حُذف، أو ليس من حقك. تحقق من الرابط أو عد إلى صفحتك الرئيسية.
page-staff-only = هذه الصفحة للأساتذة والمسؤولين.
page-admin-only = هذه الصفحة للمسؤولين.
page-went-wrong = حدث خطأ ما
form-correct-fields = يرجى تصحيح الحقول المشار إليها.
