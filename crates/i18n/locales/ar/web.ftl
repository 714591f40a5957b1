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
