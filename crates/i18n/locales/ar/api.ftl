# أخطاء واجهة البرمجة بالعربية: رسالة LocalizedMessage التي يحملها كل خطأ
# (crates/api/src/error.rs).

api-error-invalid = بعض القيم غير صحيحة: { $fields }.
api-error-login-refused = اسم المستخدم أو كلمة المرور غير صحيحة.
api-error-login-ended = انتهت صلاحية تسجيل دخولك أو أُنهي؛ سجّل الدخول من جديد.
api-error-login-required = سجّل الدخول أولًا.
api-error-permission-denied = لا يحق لك القيام بهذا.
api-error-not-found = العنصر غير موجود.
api-error-already-exists = هذه القيمة في «{ $field }» مستخدمة من قبل.
api-error-failed-precondition = لا يمكن القيام بهذا في الحالة الحالية.
api-error-password-change-required = غيّر كلمة المرور أولًا: لقد عُيّنت لك ويجب تغييرها قبل أي شيء آخر.
api-error-throttled-seconds = محاولات دخول فاشلة كثيرة؛ حاول مجددًا بعد { $n ->
    [zero] لحظة
    [one] ثانية واحدة
    [two] ثانيتين
    [few] { $n } ثوانٍ
    [many] { $n } ثانية
   *[other] { $n } ثانية
}.
api-error-throttled-minutes = محاولات دخول فاشلة كثيرة؛ حاول مجددًا بعد { $n ->
    [zero] لحظة
    [one] دقيقة واحدة
    [two] دقيقتين
    [few] { $n } دقائق
    [many] { $n } دقيقة
   *[other] { $n } دقيقة
}.
api-error-unavailable = الخدمة غير متاحة مؤقتًا؛ حاول مجددًا بعد قليل.
api-error-directory-unavailable = الدليل الذي يتحقق من كلمات المرور غير متاح مؤقتًا؛ حاول مجددًا بعد قليل.
api-error-sso-state-unknown = تسجيل الدخول هذا عبر مزوّد الهوية لمؤسستك غير معروف أو استُخدم من قبل أو انتهت صلاحيته. يُرجى البدء من جديد.
api-error-sso-token-invalid = تعذّر التحقق من ردّ مزوّد الهوية. يُرجى البدء من جديد.
api-error-sso-account-unusable = حسابك لدى مزوّد الهوية لا يتضمن ما يحتاجه ClassTrack (مثل بريد إلكتروني موثَّق). يمكن للمسؤول معرفة السبب في السجل.
api-error-provider-unavailable = مزوّد الهوية غير متاح مؤقتًا؛ حاول مجددًا بعد قليل.
api-error-internal = حدث خطأ في الخادم؛ وقد سُجّل.

## تسجيلات الحضور المرفوضة، حسب سبب ErrorInfo

api-error-checkin-not-student = الطلاب وحدهم يمكنهم تسجيل الحضور.
api-error-checkin-token-malformed = هذا ليس رمز حضور صالحًا من ClassTrack.
api-error-checkin-session-not-found = هذه الحصة غير موجودة.
api-error-checkin-token-expired = انتهت صلاحية هذا الرمز. امسح الرمز المعروض على الشاشة من جديد.
api-error-checkin-wrong-session = هذا الرمز يخص حصة أخرى.
api-error-checkin-code-invalid = هذا الرمز غير صحيح. تحقّق من الرمز المعروض على الشاشة.
api-error-checkin-session-cancelled = أُلغيت هذه الحصة.
api-error-checkin-session-not-open-yet = لم يُفتح تسجيل الحضور لهذه الحصة بعد.
api-error-checkin-session-closed = أُغلق تسجيل الحضور لهذه الحصة.
api-error-checkin-not-enrolled = أنت غير مسجّل في هذا المقرر.
api-error-checkin-device-in-use = استُخدم هذا الجهاز من قبل لتسجيل حضور طالب آخر في هذه الحصة.
api-error-checkin-location-required = تحتاج هذه الحصة إلى موقعك لتسجيل الحضور.
api-error-checkin-outside-geofence = أنت لست داخل منطقة القاعة.
api-error-checkin-address-not-allowed = سجّل حضورك من شبكة الحرم الجامعي.
api-error-checkin-too-many-attempts = رموز خاطئة كثيرة لهذه الحصة. امسح رمز QR بدلًا من ذلك.
api-error-checkin-scan-proof-invalid = تعذّر تأكيد هذا المسح. امسح الرمز المعروض على الشاشة من جديد.

## التصدير (تقرير المقرر بصيغتي CSV وXLSX)

api-export-student-number = الرقم الجامعي
api-export-username = اسم المستخدم
api-export-display-name = الاسم
api-export-present = حاضر
api-export-late = متأخر
api-export-excused = بعذر
api-export-absent = غائب
api-export-rate-percent = نسبة الحضور (%)
api-export-warning = تنبيه
api-export-status-present = حاضر
api-export-status-late = متأخر
api-export-status-excused = بعذر
api-export-status-absent = غائب
api-export-near-limit = قريب من الحد
api-export-over-limit = تجاوز الحد
api-export-session-title = الحصة
api-export-session-start = البداية
api-export-session-end = النهاية
api-export-session-zone = المنطقة الزمنية

## ربط جهاز (classtrack login --sso)، حسب سبب ErrorInfo

api-error-device-authorization-pending = في انتظار الموافقة على تسجيل الدخول.
api-error-device-slow-down = استعلامات متقاربة جدًا؛ انتظر { $seconds } ثانية بين استعلام وآخر.
api-error-device-access-denied = رُفض تسجيل الدخول.
api-error-device-expired-token = انتهت صلاحية رمز تسجيل الدخول؛ ابدأ من جديد.
api-error-device-invalid-device-code = رمز جهاز غير معروف، أو سبق إصدار تسجيل دخوله؛ ابدأ من جديد.

## لماذا يقترب الطالب من حدّ الغياب أو يتجاوزه

api-warning-missed-share = فاته { $share }% من حصص الفصل (الحد { $limit }%)
api-warning-near-share = غياب واحد آخر يبلغ { $limit }% من حصص الفصل
api-warning-unexcused = غيابات بلا عذر: { $count } (الحد { $limit })
api-warning-near-unexcused = غيابات بلا عذر: { $count }؛ الحد هو { $limit }
api-warning-in-a-row = غيابات متتالية: { $count } (الحد { $limit })
api-warning-near-in-a-row = غياب واحد آخر يجعلها { $limit } متتالية

## ما الخطأ في الحقل

api-field-empty = يجب ألا يكون فارغًا
api-field-too-short = يجب ألا يقل عن { $min } حرفًا
api-field-too-long = يجب ألا يزيد على { $max } حرفًا (الموجود { $got })
api-field-control = يجب ألا يحتوي على محارف تحكم
api-field-username-chars = لا يقبل إلا الحروف اللاتينية الصغيرة والأرقام و«.» و«_» و«-»، ويبدأ بحرف أو رقم
api-field-not-email = «{ $value }» ليس عنوان بريد إلكتروني
api-field-student-number-chars = لا يقبل إلا الحروف والأرقام و«-»
api-field-course-code-chars = لا يقبل إلا الحروف والأرقام و«.» و«_» و«-»
api-field-time-zone = «{ $value }» ليست منطقة زمنية من IANA مثل Africa/Casablanca
api-field-range = يجب أن يكون بين { $lo } و{ $hi }
api-field-range-seconds = يجب أن يكون بين { $lo } و{ $hi } ثانية (القيمة { $got })
api-field-range-minutes = يجب أن يكون بين { $lo } و{ $hi } دقيقة (القيمة { $got })
api-field-range-metres = يجب أن يكون بين { $lo } و{ $hi } مترًا
api-field-not-network = «{ $value }» ليست شبكة بصيغة CIDR مثل 10.0.0.0/8
api-field-too-many-networks = { $max } شبكة على الأكثر
api-field-no-weekday = اختر يومًا واحدًا من الأسبوع على الأقل
api-field-not-time = يجب أن يكون وقتًا مثل { $example }
api-field-not-date = يجب أن يكون تاريخًا مثل { $example }
api-field-course-zone = المنطقة الزمنية للمقرر غير صالحة
api-field-before-first-date = يجب ألا يسبق التاريخ الأول
api-field-series-too-long = لا تتجاوز السلسلة سنة واحدة
api-field-students-only = رقم الطالب للطلاب فقط
api-field-choose-role = اختر مسؤولًا أو أستاذًا أو طالبًا
api-field-required = مطلوب
api-field-after-start = يجب أن يكون بعد وقت البداية
api-field-session-too-long = لا تتجاوز الحصة 12 ساعة
api-field-at-most = يجب ألا يزيد على { $max } حرفًا
api-field-same-password = يجب أن تختلف عن كلمة المرور الحالية
api-field-in-future = يجب أن يكون في المستقبل
api-field-within-year = يجب ألا يبعد أكثر من سنة (366 يومًا)
api-field-say-why-absent = اذكر سبب غيابك أو تأخرك
api-field-file-too-large = حجم الملف أكبر من { $mib } ميغابايت
api-field-file-kind = لا تُقبل إلا ملفات PDF وPNG وJPEG
api-field-say-why-rejected = اذكر سبب رفض التبرير
