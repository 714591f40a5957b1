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
nav-check-in = تسجيل الحضور
nav-history = حضوري

## صفحة تسجيل الدخول

login-title = تسجيل الدخول
login-heading = تسجيل الدخول
login-username = اسم المستخدم أو البريد الإلكتروني
login-password = كلمة المرور
login-submit = دخول

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
