# صفحات المسؤول (المستخدمون، الاستيراد، الإشراف، رموز API)، وإعدادات المقرر وطلابه،
# وصفحتا كلمة المرور والأجهزة، باللغة العربية الفصحى.

## كلمات مشتركة بين هذه الصفحات

admin-save = حفظ
admin-show = عرض
admin-search = بحث
admin-next-page = الصفحة التالية
admin-back = رجوع
admin-cancel = إلغاء
admin-done = تم
admin-continue = متابعة
admin-none = لا شيء.
admin-or-paste = …أو الصقه هنا
admin-check-file = تحقّق من الملف
admin-file = الملف
admin-correct-fields = يُرجى تصحيح الحقول المشار إليها.
admin-whole-number = أدخل عددًا صحيحًا.

## عناوين الأعمدة وتسميات الحقول

admin-col-name = الاسم
admin-col-username = اسم المستخدم
admin-col-email = البريد الإلكتروني
admin-col-number = الرقم
admin-col-role = الدور
admin-col-state = الحالة
admin-col-when = التاريخ
admin-col-course = المقرر
admin-col-student = الطالب
admin-col-reason = السبب
admin-col-detail = التفاصيل
admin-col-address = العنوان
admin-col-device = الجهاز
admin-col-time = الوقت
admin-col-room = القاعة
admin-col-here = الحاضرون
admin-col-count = العدد
admin-col-who = المنفّذ
admin-col-from = المصدر
admin-col-action = الإجراء
admin-col-on = الهدف
admin-col-line = السطر
admin-col-column = العمود
admin-col-problem = المشكلة
admin-col-one-time-password = كلمة مرور لمرة واحدة
admin-col-made-by = أنشأه
admin-col-made = تاريخ الإنشاء
admin-col-expires = تاريخ الانتهاء
admin-col-enrolled = تاريخ التسجيل
admin-field-username = اسم المستخدم
admin-field-full-name = الاسم الكامل
admin-field-email = البريد الإلكتروني
admin-field-student-number = رقم الطالب

## الأدوار، في النماذج وعوامل التصفية

admin-role-student = طالب
admin-role-professor = أستاذ
admin-role-admin = مسؤول
admin-roles-everyone = الجميع
admin-roles-students = الطلاب
admin-roles-professors = الأساتذة
admin-roles-admins = المسؤولون

## النظرة العامة

admin-overview-title = نظرة عامة
admin-count-check-ins-today = تسجيلات الحضور اليوم
admin-count-refused-today = المرفوضة اليوم
admin-count-sessions = الحصص
admin-count-courses = المقررات
admin-count-students = الطلاب
admin-count-professors = الأساتذة
admin-count-admins = المسؤولون
admin-overview-today = حصص اليوم
admin-overview-no-sessions = لا توجد حصص اليوم.
admin-overview-here-of = { $here } من { $enrolled }
admin-overview-refused-today = تسجيلات الحضور المرفوضة اليوم
admin-overview-all-refused = كل تسجيلات الحضور المرفوضة

## تسجيلات الحضور المرفوضة

admin-rejections-title = تسجيلات الحضور المرفوضة
admin-rejections-any = الكل
admin-rejections-none = لا توجد تسجيلات حضور مرفوضة.

## سجل التدقيق

admin-audit-title = سجل التدقيق
admin-audit-action-starts = الإجراء يبدأ بـ
admin-audit-nothing = لم يُسجَّل شيء.
# المنفّذ حين لا يكون شخصًا (مهمة في الخلفية).
admin-audit-system = النظام

## المستخدمون

admin-users-title = المستخدمون
admin-users-new = مستخدم جديد
admin-users-import-csv = استيراد ملف CSV
admin-users-search-placeholder = الاسم أو اسم المستخدم أو البريد أو الرقم
admin-users-include-inactive = تضمين الحسابات المعطّلة
admin-users-none = لا يوجد مستخدمون مطابقون.
admin-users-active = نشط
admin-users-deactivated = معطّل

## صفحة مستخدم

admin-user-new = مستخدم جديد
admin-user-deactivated-notice = هذا الحساب معطّل: لا يمكنه تسجيل الدخول.
admin-user-username-is = اسم المستخدم:
admin-user-student-number = رقم الطالب (للطلاب)
admin-user-password = كلمة المرور (اتركها فارغة لتوليد واحدة)
admin-user-create = إنشاء المستخدم
admin-user-account = الحساب
admin-user-reset-confirm = تعيين كلمة مرور عشوائية جديدة وتسجيل خروج هذا المستخدم من كل مكان؟
admin-user-reset = إعادة تعيين كلمة المرور
admin-user-deactivate-confirm = تعطيل هذا الحساب؟ لن يتمكّن صاحبه من تسجيل الدخول.
admin-user-deactivate = تعطيل
admin-user-reactivate = إعادة التفعيل
admin-user-who = { $name } ({ $username })، { $role ->
    [admin] مسؤول
    [professor] أستاذ
   *[student] طالب
}
admin-user-created-flash = أُنشئ الحساب: { $who }.
admin-user-created = أُنشئ المستخدم
admin-user-saved = حُفظت بيانات { $username }.
admin-user-reactivated = أُعيد تفعيل الحساب: يمكن لصاحبه تسجيل الدخول من جديد.
admin-user-deactivated = عُطّل الحساب: لم يعد بإمكان صاحبه تسجيل الدخول. يبقى سجل حضوره محفوظًا.
admin-user-reset-title = إعادة تعيين كلمة المرور
admin-user-reset-heading = كلمة مرور جديدة
admin-user-logged-out = سُجّل خروج { $name } ({ $username }) من كل مكان.

## استيراد المستخدمين

admin-users-import-title = استيراد المستخدمين
admin-users-import-help = ارفع جدول بيانات بصف عناوين: ملف Excel ‏(<bdi>.xlsx</bdi>) أو OpenDocument ‏(<bdi>.ods</bdi>)، أو ملف CSV كما يحفظه أي برنامج جداول (مفصول بفواصل أو فواصل منقوطة أو علامات جدولة؛ بترميز UTF-8 أو UTF-16 أو Windows-1252). الأعمدة الإلزامية: <code>username</code> و<code>email</code> و<code>display_name</code> و<code>role</code> ‏(admin أو professor أو student)؛ أما <code>student_number</code> و<code>password</code> فاختياريان (تُولَّد كلمة مرور إذا بقيت الخانة فارغة). ملف رفع المستخدمين من Moodle ‏(<code>username</code> و<code>firstname</code> و<code>lastname</code> و<code>email</code> و<code>idnumber</code>) مفهوم أيضًا؛ وكل من فيه طلاب.
admin-users-import-first = سترى أولًا كل مشكلة، أو ما سيُنشأ؛ ولا يُكتب شيء قبل أن تؤكّد.
admin-users-import-valid = الملف صالح: { $count ->
    [zero] لن يُنشأ أي مستخدم
    [one] سيُنشأ مستخدم واحد
    [two] سيُنشأ مستخدمان
    [few] سيُنشأ { $count } مستخدمين
    [many] سيُنشأ { $count } مستخدمًا
   *[other] سيُنشأ { $count } مستخدم
}. لا يُكتب شيء قبل أن تؤكّد.
admin-users-import-done = { $count ->
    [zero] لم يُنشأ أي مستخدم
    [one] أُنشئ مستخدم واحد
    [two] أُنشئ مستخدمان
    [few] أُنشئ { $count } مستخدمين
    [many] أُنشئ { $count } مستخدمًا
   *[other] أُنشئ { $count } مستخدم
}. وزّع كلمات المرور لمرة واحدة أدناه؛ فلن تُعرض مرة أخرى.

## معاينة الاستيراد ونتيجته (المستخدمون أو طلاب مقرر)

admin-import-check = التحقق قبل الاستيراد
admin-import-done = اكتمل الاستيراد
admin-import-read-as = قُرئ على أنه: { $how }.
admin-import-problems = { $count ->
    [zero] لا توجد مشكلات
    [one] وُجدت مشكلة واحدة
    [two] وُجدت مشكلتان
    [few] وُجدت { $count } مشكلات
    [many] وُجدت { $count } مشكلة
   *[other] وُجدت { $count } مشكلة
}
admin-import-would-create = الحسابات الجديدة التي ستُنشأ
admin-import-new-accounts = الحسابات الجديدة
admin-import-now = استورد الآن
admin-import-nothing-written = لم يُكتب شيء. صحّح هذه الأسطر وارفع الملف من جديد.

## كلمة مرور لمرة واحدة، تُعرض مرة واحدة

admin-secret-one-time = كلمة مرور لمرة واحدة (تُعرض الآن فقط؛ وعلى صاحبها تغييرها بعد تسجيل الدخول):

## رموز API

admin-tokens-title = رموز API
admin-tokens-hint = رموز للبرامج النصية: يعمل كل رمز بدوره الخاص إلى أن تنتهي صلاحيته أو يُلغى. وتعطيل المسؤول الذي أنشأه يلغيه أيضًا.
admin-tokens-made = أُنشئ:
admin-tokens-secret = سرّه، يُعرض الآن فقط (أرسله على النحو <code>authorization: Bearer …</code>):
admin-tokens-none = لا توجد رموز API.
admin-tokens-revoke = إلغاء
admin-tokens-new = رمز جديد
admin-tokens-days = مدة الصلاحية بالأيام (366 يومًا على الأكثر)
admin-tokens-make = إنشاء الرمز
admin-tokens-days-missing = أدخل مدة صلاحيته بالأيام (من 1 إلى 366).
admin-tokens-revoked = أُلغي الرمز: لم يعد يعمل.

## إعدادات المقرر

admin-course-settings-title = إعدادات { $code }
admin-course-settings = إعدادات المقرر
admin-course-back = الرجوع إلى المقرر
admin-course-legend-course = المقرر
admin-course-code = الرمز
admin-course-course-title = العنوان
admin-course-term = الفصل الدراسي
admin-course-time-zone = المنطقة الزمنية (مثل Africa/Casablanca)
admin-course-legend-check-in = تسجيل الحضور (فارغ = القيمة الافتراضية)
admin-course-qr-rotation = الثواني بين رمزَي QR (من 5 إلى 300، الافتراضي 10)
admin-course-qr-grace = مهلة بعد التغيير، بالثواني (من 0 إلى 30، الافتراضي 3)
admin-course-late-after = متأخر بعد، بالدقائق (الافتراضي 10)
admin-course-opens-before = يُفتح قبل البداية، بالدقائق (الافتراضي 10)
admin-course-legend-geofence = نطاق القاعة (سياج جغرافي؛ فارغ = في أي مكان)
admin-course-geofence-hint = عند تحديده، يجب على الطلاب مشاركة موقع هواتفهم وأن يكونوا داخل نصف القطر لتسجيل الحضور. بالدرجات العشرية، مثل 38.7369 و‎-9.1427.
admin-course-latitude = خط العرض
admin-course-longitude = خط الطول
admin-course-radius = نصف القطر، بالأمتار (من 10 إلى 10000)
admin-course-legend-absence = تنبيهات الغياب (0 = معطّلة)
admin-course-absence-percent = نسبة الحصص الفائتة، ٪
admin-course-unexcused = الغيابات غير المبرّرة
admin-course-in-a-row = الغيابات المتتالية
admin-course-legend-professors = الأساتذة
admin-course-fence-together = املأ خط العرض وخط الطول ونصف القطر معًا، أو اترك الثلاثة فارغة.
admin-course-fence-number = أدخل عددًا، مثل 38.7369 (درجات عشرية) أو 80 (أمتار).
admin-course-saved = حُفظت إعدادات المقرر.

## طلاب المقرر

admin-enrol-title = طلاب { $code }
admin-enrol-students = الطلاب
admin-enrol-add = إضافة طالب
admin-enrol-enroll = تسجيل
admin-enrol-import = استيراد من ملف CSV
admin-enrol-import-help = الأعمدة: <code>username</code> (إلزامي) و<code>email</code> و<code>display_name</code> و<code>student_number</code>. يحتاج الطالب الجديد إلى بريد إلكتروني واسم. سترى كل مشكلة قبل أن يُكتب أي شيء.
admin-enrol-csv-file = ملف CSV
admin-enrol-create = إنشاء حساب طالب جديد
admin-enrol-create-enroll = إنشاء وتسجيل
admin-enrol-none = لا يوجد طلاب بعد.
admin-enrol-remove = إزالة
admin-enrol-remove-confirm = إزالة { $name } من هذا المقرر؟
admin-enrol-enrolled = سُجّل { $who } في المقرر.
admin-enrol-created = أُنشئ حساب الطالب
admin-enrol-created-heading = أُنشئ حساب الطالب وسُجّل في المقرر
admin-enrol-removed = أُزيل الطالب من المقرر. يبقى سجل حضوره السابق محفوظًا.
admin-enrol-no-such-course = هذا المقرر غير موجود.
admin-enrol-import-title = استيراد الطلاب
admin-enrol-import-valid = الملف صالح: { $count ->
    [zero] لن يُسجَّل أي طالب
    [one] سيُسجَّل طالب واحد
    [two] سيُسجَّل طالبان
    [few] سيُسجَّل { $count } طلاب
    [many] سيُسجَّل { $count } طالبًا
   *[other] سيُسجَّل { $count } طالب
}، { $created ->
    [zero] ليس بينهم طالب جديد
    [one] بينهم طالب جديد واحد
    [two] بينهم طالبان جديدان
    [few] بينهم { $created } طلاب جدد
    [many] بينهم { $created } طالبًا جديدًا
   *[other] بينهم { $created } طالب جديد
}، { $already ->
    [zero] ولا أحد مسجّل من قبل
    [one] وطالب واحد مسجّل من قبل
    [two] وطالبان مسجّلان من قبل
    [few] و{ $already } طلاب مسجّلون من قبل
    [many] و{ $already } طالبًا مسجّلًا من قبل
   *[other] و{ $already } طالب مسجّل من قبل
}. لا يُكتب شيء قبل أن تؤكّد.
admin-enrol-import-done = { $count ->
    [zero] لم يُسجَّل أي طالب
    [one] سُجّل طالب واحد
    [two] سُجّل طالبان
    [few] سُجّل { $count } طلاب
    [many] سُجّل { $count } طالبًا
   *[other] سُجّل { $count } طالب
}، { $created ->
    [zero] ولم يُنشأ أي حساب جديد
    [one] وأُنشئ حساب جديد واحد
    [two] وأُنشئ حسابان جديدان
    [few] وأُنشئت { $created } حسابات جديدة
    [many] وأُنشئ { $created } حسابًا جديدًا
   *[other] وأُنشئ { $created } حساب جديد
}، { $already ->
    [zero] ولم يكن أحد مسجّلًا من قبل
    [one] وكان طالب واحد مسجّلًا من قبل
    [two] وكان طالبان مسجّلين من قبل
    [few] وكان { $already } طلاب مسجّلين من قبل
    [many] وكان { $already } طالبًا مسجّلين من قبل
   *[other] وكان { $already } طالب مسجّلين من قبل
}. وزّع كلمات المرور لمرة واحدة أدناه؛ فلن تُعرض مرة أخرى.

## تغيير كلمة المرور

admin-password-title = تغيير كلمة المرور
admin-password-current = كلمة المرور الحالية
admin-password-new = كلمة المرور الجديدة
admin-password-again = تأكيد كلمة المرور الجديدة
admin-password-submit = تغيير كلمة المرور
admin-password-hint-strong = اختر كلمة يصعب تخمينها: بضع كلمات غير شائعة تفي بالغرض؛ أما اسمك أو اسم المستخدم أو كلمة مرور شائعة فتُرفض.
admin-password-hint-elsewhere = تغيير كلمة المرور يسجّل خروجك من كل مكان آخر.
admin-password-not-same = كلمتا المرور الجديدتان غير متطابقتين.
admin-password-wrong-current = هذه ليست كلمة مرورك الحالية.
admin-password-changed = تغيّرت كلمة مرورك.
admin-password-set-for-you = عُيّنت كلمة مرورك نيابةً عنك: اختر كلمة مرورك الخاصة قبل المتابعة.

## تسجيل دخول جهاز (classtrack login --sso)

admin-device-title = تسجيل دخول جهاز
admin-device-asks = يطلب جهاز تسجيل الدخول باسمك بهذا الرمز:
admin-device-what = ما هو
admin-device-from = من أين
admin-device-hint = لا توافق إلا إذا بدأت هذا الطلب بنفسك وكان الرمز هو نفسه الذي يعرضه الجهاز.
admin-device-approve = موافقة
admin-device-deny = رفض
admin-device-enter = أدخل الرمز الذي يعرضه جهازك (مثلًا <code>classtrack login --sso</code>).
admin-device-code = الرمز
admin-device-approved = تمت الموافقة: سُجّل دخول الجهاز باسمك. يمكنك العودة إليه الآن.
admin-device-denied = رُفض الطلب: لم يُسجَّل دخول الجهاز.

## رفع الملفات

admin-upload-broken = لم يصل الملف المرفوع كاملًا. حاول مرة أخرى.
admin-upload-expired-title = انتهت صلاحية هذا النموذج
admin-upload-expired = ارجع إلى الصفحة السابقة وأعد تحميلها ثم حاول مرة أخرى.
