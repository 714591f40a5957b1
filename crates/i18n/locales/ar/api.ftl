# أخطاء واجهة البرمجة بالعربية: رسالة LocalizedMessage التي يحملها كل خطأ
# (crates/api/src/error.rs).

error-invalid = بعض القيم غير صحيحة: { $fields }.
error-login-refused = اسم المستخدم أو كلمة المرور غير صحيحة.
error-login-ended = انتهت صلاحية تسجيل دخولك أو أُنهي؛ سجّل الدخول من جديد.
error-login-required = سجّل الدخول أولًا.
error-permission-denied = لا يحق لك القيام بهذا.
error-not-found = العنصر غير موجود.
error-already-exists = هذه القيمة في «{ $field }» مستخدمة من قبل.
error-failed-precondition = لا يمكن القيام بهذا في الحالة الحالية.
error-password-change-required = غيّر كلمة المرور أولًا: لقد عُيّنت لك ويجب تغييرها قبل أي شيء آخر.
error-throttled-seconds = محاولات دخول فاشلة كثيرة؛ حاول مجددًا بعد { $n ->
    [zero] لحظة
    [one] ثانية واحدة
    [two] ثانيتين
    [few] { $n } ثوانٍ
    [many] { $n } ثانية
   *[other] { $n } ثانية
}.
error-throttled-minutes = محاولات دخول فاشلة كثيرة؛ حاول مجددًا بعد { $n ->
    [zero] لحظة
    [one] دقيقة واحدة
    [two] دقيقتين
    [few] { $n } دقائق
    [many] { $n } دقيقة
   *[other] { $n } دقيقة
}.
error-unavailable = الخدمة غير متاحة مؤقتًا؛ حاول مجددًا بعد قليل.
error-directory-unavailable = الدليل الذي يتحقق من كلمات المرور غير متاح مؤقتًا؛ حاول مجددًا بعد قليل.
error-internal = حدث خطأ في الخادم؛ وقد سُجّل.

## تسجيلات الحضور المرفوضة، حسب سبب ErrorInfo

error-checkin-not-student = الطلاب وحدهم يمكنهم تسجيل الحضور.
error-checkin-token-malformed = هذا ليس رمز حضور صالحًا من ClassTrack.
error-checkin-session-not-found = هذه الحصة غير موجودة.
error-checkin-token-expired = انتهت صلاحية هذا الرمز. امسح الرمز المعروض على الشاشة من جديد.
error-checkin-wrong-session = هذا الرمز يخص حصة أخرى.
error-checkin-code-invalid = هذا الرمز غير صحيح. تحقّق من الرمز المعروض على الشاشة.
error-checkin-session-cancelled = أُلغيت هذه الحصة.
error-checkin-session-not-open-yet = لم يُفتح تسجيل الحضور لهذه الحصة بعد.
error-checkin-session-closed = أُغلق تسجيل الحضور لهذه الحصة.
error-checkin-not-enrolled = أنت غير مسجّل في هذا المقرر.
error-checkin-device-in-use = استُخدم هذا الجهاز من قبل لتسجيل حضور طالب آخر في هذه الحصة.
error-checkin-location-required = تحتاج هذه الحصة إلى موقعك لتسجيل الحضور.
error-checkin-outside-geofence = أنت لست داخل منطقة القاعة.
error-checkin-address-not-allowed = سجّل حضورك من شبكة الحرم الجامعي.
error-checkin-too-many-attempts = رموز خاطئة كثيرة لهذه الحصة. امسح رمز QR بدلًا من ذلك.
error-checkin-scan-proof-invalid = تعذّر تأكيد هذا المسح. امسح الرمز المعروض على الشاشة من جديد.

## التصدير (تقرير المقرر بصيغتي CSV وXLSX)

export-student-number = الرقم الجامعي
export-username = اسم المستخدم
export-display-name = الاسم
export-present = حاضر
export-late = متأخر
export-excused = بعذر
export-absent = غائب
export-rate-percent = نسبة الحضور (%)
export-warning = تنبيه
export-status-present = حاضر
export-status-late = متأخر
export-status-excused = بعذر
export-status-absent = غائب
export-near-limit = قريب من الحد
export-over-limit = تجاوز الحد
export-session-title = الحصة
export-session-start = البداية
export-session-end = النهاية
export-session-zone = المنطقة الزمنية

## ربط جهاز (classtrack login --sso)، حسب سبب ErrorInfo

error-device-authorization-pending = في انتظار الموافقة على تسجيل الدخول.
error-device-slow-down = استعلامات متقاربة جدًا؛ انتظر { $seconds } ثانية بين استعلام وآخر.
error-device-access-denied = رُفض تسجيل الدخول.
error-device-expired-token = انتهت صلاحية رمز تسجيل الدخول؛ ابدأ من جديد.
error-device-invalid-device-code = رمز جهاز غير معروف، أو سبق إصدار تسجيل دخوله؛ ابدأ من جديد.
