# أخطاء واجهة البرمجة بالعربية: رسالة LocalizedMessage التي يحملها كل خطأ
# (crates/api/src/error.rs).

api-error-invalid = بعض القيم غير صحيحة: { $fields }.
api-error-login-refused = اسم المستخدم أو كلمة المرور غير صحيحة.
api-error-login-ended = انتهت صلاحية تسجيل دخولك أو أُنهي؛ سجّل الدخول من جديد.
api-error-login-required = سجّل الدخول أولًا: يحتاج هذا الطلب إلى ترويسة `authorization: Bearer <token>`.
api-error-not-found = العنصر غير موجود.
api-error-already-exists = هذه القيمة في «{ $field }» مستخدمة من قبل.
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

## لماذا يُرفض الطلب

api-error-not-found-named = { $name } غير موجود.
api-error-hidden = لا يمكنك رؤية { $name }.
api-error-admin-only = المسؤول وحده يمكنه القيام بهذا.
api-error-staff-only = لا يمكن للطلاب القيام بهذا.
api-error-course-staff-only = أساتذة هذا المقرر أو المسؤول وحدهم يمكنهم القيام بهذا.
api-error-not-enrolled = أنت غير مسجّل في هذا المقرر.
api-error-student-not-enrolled = { $student } غير مسجّل في { $course }.
api-error-own-account-only = لا يمكنك رؤية سوى حسابك وحسابات طلابك.
api-error-own-attendance-only = لا يمكنك رؤية سوى حضورك.
api-error-last-admin = لا يمكن للمسؤول الأخير أن يفقد دور المسؤول.
api-error-deactivate-self = لا يمكنك تعطيل حسابك بنفسك.
api-error-password-at-provider = كلمة مرورك يحفظها مزوّد الهوية لمؤسستك: غيّرها هناك.
api-error-admin-password-weak = كلمة مرور المسؤول (CLASSTRACK_ADMIN_PASSWORD) { $why }؛ اختر غيرها.
api-error-not-with-api-token = لا يمكن لرمز واجهة البرمجة القيام بهذا: سجّل الدخول باسمك.
api-error-professor-own-courses = لا يمكن للأستاذ أن ينشئ إلا المقررات التي يدرّسها بنفسه.
api-error-course-code-admin-only = المسؤول وحده يمكنه تغيير رمز المقرر.
api-error-session-cancelled = أُلغيت هذه الحصة.
api-error-session-closed = هذه الحصة مغلقة.
api-error-session-cancelled-no-change = أُلغيت هذه الحصة ولم يعد من الممكن تغييرها.
api-error-session-closed-times = لا يمكن تغيير مواعيد حصة مغلقة.
api-error-session-closed-no-cancel = لا يمكن إلغاء حصة مغلقة.
api-error-session-cancelled-no-close = لا يمكن إغلاق حصة ملغاة.
api-error-session-cancelled-counts-for-nobody = أُلغيت هذه الحصة؛ فهي لا تُحتسب لأحد.
api-error-students-justify = الطلاب وحدهم يقدّمون المبررات.
api-error-justify-absence-only = لا يمكن تبرير سوى الغياب أو التأخر.
api-error-justification-decided = سبق البتّ في هذا المبرر.
api-error-no-attachment = لا يحمل هذا المبرر مرفقًا.
api-error-no-such-provider = لا يوجد مزوّد هوية باسم «{ $name }».
api-error-sso-no-account = ليس لديك حساب في ClassTrack بعد؛ اطلب من المسؤول إنشاء حساب لك.
api-error-sso-account-conflict = حسابك لدى مزوّد الهوية يطابق حسابًا آخر في ClassTrack؛ على المسؤول حلّ هذا التعارض (وقد سُجّل في السجل).

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

## كلمة مرور مختارة يسهل تخمينها (خطأ في حقل)، مع نصائح zxcvbn

api-password-too-easy = يسهل تخمينها كثيرًا
api-password-too-easy-because = يسهل تخمينها كثيرًا: { $advice }
api-password-personal = تحتوي على اسم المستخدم أو الاسم أو البريد الإلكتروني للحساب.
api-password-warning-straight-rows = صفوف المفاتيح المتتالية سهلة التخمين.
api-password-warning-short-keyboard-patterns = أنماط لوحة المفاتيح القصيرة سهلة التخمين.
api-password-warning-repeats-like-aaa = التكرارات مثل «aaa» سهلة التخمين.
api-password-warning-repeats-like-abcabc = التكرارات مثل «abcabcabc» أصعب قليلًا فقط في التخمين من «abc».
api-password-warning-top-10 = هذه من أشيع 10 كلمات مرور.
api-password-warning-top-100 = هذه من أشيع 100 كلمة مرور.
api-password-warning-common = هذه كلمة مرور شائعة جدًا.
api-password-warning-similar-to-common = هذه تشبه كلمة مرور شائعة الاستخدام.
api-password-warning-sequences = التسلسلات مثل abc أو 6543 سهلة التخمين.
api-password-warning-recent-years = السنوات الأخيرة سهلة التخمين.
api-password-warning-word-by-itself = الكلمة المنفردة سهلة التخمين.
api-password-warning-dates = التواريخ غالبًا سهلة التخمين.
api-password-warning-names-by-themselves = الأسماء وأسماء العائلة وحدها سهلة التخمين.
api-password-warning-common-names = الأسماء وأسماء العائلة الشائعة سهلة التخمين.
api-password-suggestion-few-words = استخدم بضع كلمات، وتجنّب العبارات الشائعة.
api-password-suggestion-no-symbols-needed = لا حاجة إلى رموز أو أرقام أو أحرف كبيرة.
api-password-suggestion-another-word = أضف كلمة أو كلمتين. الكلمات غير الشائعة أفضل.
api-password-suggestion-capitalization = الأحرف الكبيرة لا تفيد كثيرًا.
api-password-suggestion-all-uppercase = الأحرف الكبيرة كلها سهلة التخمين تقريبًا مثل الأحرف الصغيرة كلها.
api-password-suggestion-reversed-words = الكلمات المقلوبة ليست أصعب كثيرًا في التخمين.
api-password-suggestion-substitutions = الاستبدالات المتوقعة مثل «@» بدل «a» لا تفيد كثيرًا.
api-password-suggestion-longer-keyboard-pattern = استخدم نمط لوحة مفاتيح أطول بمنعطفات أكثر.
api-password-suggestion-repeated = تجنّب تكرار الكلمات والأحرف.
api-password-suggestion-sequences = تجنّب التسلسلات.
api-password-suggestion-recent-years = تجنّب السنوات الأخيرة.
api-password-suggestion-years-associated = تجنّب السنوات المرتبطة بك.
api-password-suggestion-dates-associated = تجنّب التواريخ والسنوات المرتبطة بك.
