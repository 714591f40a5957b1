# Les pages web, en français.

## Le cadre de chaque page

skip-to-content = Aller au contenu
nav-main = Menu principal
account-change-password = Changer le mot de passe
log-out = Se déconnecter
language-switcher = Langue
language-choose = Changer

## Le menu

nav-overview = Vue d’ensemble
nav-users = Utilisateurs
nav-courses = Cours
nav-sessions = Séances
nav-justifications = Justificatifs
nav-rejections = Refus
nav-audit = Journal d’audit
nav-api-tokens = Jetons d’API
nav-check-in = Pointer
nav-history = Mes présences

## La page de connexion

login-title = Connexion
login-heading = Connexion
login-username = Identifiant ou adresse électronique
login-password = Mot de passe
login-submit = Se connecter
login-or = ou
login-with = Se connecter avec { $provider }
sso-logout-provider = Vous êtes déconnecté de ClassTrack. Se déconnecter aussi de { $provider }
sso-provider-refused = Le fournisseur d’identité ne vous a pas connecté ({ $error }). Veuillez réessayer.
sso-callback-incomplete = La réponse du fournisseur d’identité est incomplète. Veuillez recommencer la connexion.
sso-other-browser = Cette connexion a été commencée dans un autre navigateur, ou il y a trop longtemps. Veuillez la recommencer ici.

## Pages d’erreur

error-not-allowed = Accès refusé

## Pour les tests de la bibliothèque (règles de pluriel)

test-students = { $count ->
    [one] { $count } étudiant
   *[other] { $count } étudiants
}

## Pages d’erreur et phrases pour les statuts de l’API

error-title-page-not-found = Page introuvable
error-page-not-found = Il n’y a rien à cette adresse. Vérifiez le lien ou revenez à votre page d’accueil.
error-title-too-large = Trop de données
error-too-large = Ce que vous avez envoyé est trop volumineux. Divisez le fichier et réessayez.
error-title-missing = Il manque quelque chose
error-title-not-found = Introuvable
error-title-not-allowed = Accès refusé
error-title-too-many = Trop de tentatives
error-title-unavailable = ClassTrack ne répond pas
error-title-unimplemented = Pas encore disponible
error-title-failed = Cela n’a pas fonctionné
error-title-wrong = Un problème est survenu
error-done = C’est fait.
error-log-in-again = Veuillez vous reconnecter.
error-unavailable = Le service de présence est injoignable. Réessayez dans une minute.
error-unimplemented = Cette partie de ClassTrack n’est pas encore disponible sur ce serveur.
error-internal = Le serveur n’a pas pu terminer l’opération. Réessayez ; si cela se reproduit, prévenez votre administrateur.
error-too-many-wait = Trop de tentatives. Attendez { $wait } puis réessayez.
error-too-many = Trop de tentatives. Patientez un peu puis réessayez.
error-denied = Vous n’êtes pas autorisé à faire cela.
error-not-found = Cela n’existe pas ou a été supprimé.
error-other = Cela n’a pas fonctionné. Vérifiez votre saisie et réessayez.

## Durées

duration-a-second = une seconde
duration-seconds = { $count } secondes
duration-minutes = { $count ->
    [one] { $count } minute
   *[other] { $count } minutes
}

## Mots de plusieurs pages

word-status-present = Présent
word-status-late = En retard
word-status-excused = Excusé
word-status-absent = Absent
word-status-none = Pas encore
word-role-admin = Administrateur
word-role-professor = Enseignant
word-role-student = Étudiant
word-state-scheduled = Prévue
word-state-open = Ouverte
word-state-closed = Close
word-state-cancelled = Annulée
chart-roll-column = { $session } : { $present } présents, { $late } en retard, { $excused } excusés, { $absent } absents
page-could-not-be-shown = Cette page n'a pas pu être affichée. Réessayez.

## La page de pointage de l'étudiant

student-check-in = Pointer
student-camera-help = Ouvrez l'appareil photo de votre téléphone et visez le code affiché à l'écran : il ouvre la page de pointage. Ou tapez ci-dessous le code à six chiffres.
student-location-hint = Une séance ouverte en ce moment vérifie que vous êtes dans la salle : autorisez la localisation quand votre téléphone le demande.
location-needs-js = Partager votre position nécessite JavaScript. Activez JavaScript pour ce site, ou demandez à votre enseignant de vous marquer présent.
student-type-code = Taper le code
student-none-open = Aucune séance n'est ouverte au pointage en ce moment.
student-session = Séance
student-several-open = { $count } séances sont ouvertes : choisissez celle où vous êtes. Le code n'est vérifié que pour cette séance.
student-code-label = Code affiché à l'écran
student-code-submit = Pointer avec le code
student-today = Aujourd'hui
student-no-sessions-today = Aucune séance aujourd'hui.
scanner-point = Visez le code affiché à l'écran.
scanner-stop = Arrêter la caméra
scanner-unsupported = Ce navigateur ne sait pas lire les codes QR lui-même. Ouvrez l'appareil photo de votre téléphone et visez le code affiché à l'écran, ou tapez ci-dessous le code à six chiffres.
scanner-denied = La caméra n'a pas pu être ouverte. Autorisez l'accès à la caméra, utilisez l'appareil photo du téléphone, ou tapez le code ci-dessous.
scanner-found = Code trouvé. Pointage en cours…
location-blocked = La localisation est bloquée pour ce site. Autorisez-la dans votre navigateur (souvent l'icône à côté de l'adresse, ou les réglages du téléphone), puis réessayez. Sinon, demandez à votre enseignant de vous marquer présent.
location-unavailable = Votre téléphone n'a pas trouvé où il se trouve. Activez la localisation (GPS) et réessayez, ou demandez à votre enseignant de vous marquer présent.
location-timeout = La recherche de votre position a pris trop de temps. Activez la localisation (GPS), approchez-vous d'une fenêtre et réessayez, ou demandez à votre enseignant de vous marquer présent.
location-unsupported = Ce navigateur ne peut pas partager sa position. Utilisez le navigateur habituel de votre téléphone, ou demandez à votre enseignant de vous marquer présent.
location-finding = Recherche de votre position…
location-found = Position trouvée. Pointage en cours…
projector-closed = Le pointage est clos pour cette séance.

## Pourquoi un pointage a été refusé, en quelques mots

reason-unspecified = Pointage non enregistré
reason-not-student = Réservé aux étudiants
reason-token-malformed = Pas un code ClassTrack
reason-session-not-found = Séance inconnue
reason-token-expired = Code expiré
reason-wrong-session = Mauvaise séance
reason-session-not-open-yet = Pas encore ouverte
reason-session-closed = Séance close
reason-session-cancelled = Séance annulée
reason-not-enrolled = Non inscrit
reason-device-in-use = Appareil déjà utilisé
reason-location-required = Position requise
reason-outside-geofence = Hors de la salle
reason-address-not-allowed = Mauvais réseau
reason-code-invalid = Code erroné
reason-too-many-attempts = Trop de codes erronés
reason-scan-proof-invalid = Scan non prouvé

## Après un pointage

checkin-against = Vérifié pour { $session }.
checkin-location-go-back = Revenez en arrière, tapez le code affiché à l'écran maintenant et autorisez la localisation quand votre téléphone le demande.
checkin-location-press = Appuyez sur le bouton et autorisez la localisation quand votre téléphone le demande. Votre position sert seulement à vérifier que vous êtes dans la salle ; elle n'est pas conservée.
checkin-location-share = Partager ma position et pointer
checkin-location-none-came = Aucune position n'accompagnait votre pointage. Partager votre position nécessite JavaScript : activez-le pour ce site, ou demandez à votre enseignant de vous marquer présent.
checkin-location-needs-js = Partager votre position nécessite JavaScript. Activez JavaScript pour ce site et scannez de nouveau, ou demandez à votre enseignant de vous marquer présent.
checkin-back = Retour au pointage
checkin-location-invalid = Position incompréhensible
checkin-location-invalid-detail = Votre navigateur a envoyé une position qui n'est pas valable. Revenez en arrière et réessayez.
checkin-already-recorded = Vous étiez déjà enregistré à { $time }. Rien n'a changé.
checkin-recorded = Enregistré à { $time }.
checkin-try-again = Réessayez
checkin-too-many-attempts = Trop de tentatives
checkin-location-required-detail = Cette séance vérifie que vous êtes dans la salle : elle a besoin de la position de votre téléphone.
checkin-outside-geofence-detail = La position de votre téléphone est en dehors de la zone de cette séance. Si vous êtes dans la salle, activez la localisation précise (GPS), approchez-vous d'une fenêtre et scannez de nouveau le code actuel, ou demandez à votre enseignant de vous marquer.
checkin-scan-again = Scannez de nouveau
checkin-scan-too-old = Votre scan est trop ancien. Scannez de nouveau le code affiché à l'écran.
checkin-choose-session = Choisissez la séance où vous êtes, puis tapez son code.
login-ended = Votre connexion a pris fin. Veuillez vous reconnecter.
login-scan-kept = Votre scan pour { $course } à { $time } est gardé. Connectez-vous dans les { $within } pour être pointé.
login-wrong = Nom d'utilisateur ou mot de passe incorrect.
login-logged-out = Vous êtes déconnecté.

## L'historique de présence de l'étudiant

history-rate-by-course = Taux de présence par cours
history-rate-chart = Taux de présence de chaque cours
history-limit-reached = Limite d'absences atteinte
history-limit-near = Proche de la limite d'absences
history-session = Séance
history-status = Statut
history-action = Action
history-justify = Justifier
history-coming-up = À venir
history-counts = { $count ->
    [one] { $count } séance
   *[other] { $count } séances
} : { $present } présent, { $late } en retard, { $excused } excusé, { $absent } absent

## Séances : listes, appel, projecteur

field-date = Date
field-starts = Début
field-ends = Fin
field-room = Salle
field-title = Intitulé
field-title-optional = Intitulé (facultatif)
action-save = Enregistrer
action-edit = Modifier
col-when = Quand
col-time = Heure
col-course = Cours
col-state = État
col-actions = Actions
col-student = Étudiant
col-how = Comment
col-mark = Marquer
link-roll = Appel
link-projector = Projecteur
sessions-span = Aujourd'hui et les deux semaines à venir.
sessions-none = Aucune séance dans les deux semaines à venir. Créez-les depuis la page d'un cours.
session-back-to-roll = Retour à l'appel
session-edit = Modifier la séance
session-need-start = Indiquez une date et une heure de début.
session-need-end = Indiquez une heure de fin.
session-need-times = Indiquez une date, une heure de début et une heure de fin.
session-need-minutes = Indiquez la durée en minutes.
session-ends-before-start = La séance se termine avant de commencer : vérifiez l'heure de fin.
session-created = Séance créée.
session-saved = Séance enregistrée.
session-cancelled-done = Séance annulée. Elle ne compte pour personne.
session-closed-done = { $count ->
    [0] Séance close.
    [one] Séance close ; 1 étudiant marqué absent.
   *[other] Séance close ; { $count } étudiants marqués absents.
}
roll-title = Appel de { $course }
roll-choose-status = Choisissez d'abord un statut.
roll-marked = Marqué { $status }.
roll-open-projector = Ouvrir le projecteur
roll-close-confirm = Clore le pointage maintenant ? Tous ceux qui n'ont pas de relevé deviennent absents.
roll-close-now = Clore maintenant
roll-cancel-session = Annuler la séance
roll-cancel-reason = Motif (facultatif)
roll-cancel-this = Annuler cette séance
count-enrolled = inscrits
count-present = présents
count-late = en retard
count-excused = excusés
count-absent = absents
count-not-yet = pas encore
roll-shared-device = Appareil partagé
roll-shared-device-hint = Cet appareil a servi à un autre étudiant
roll-status-for = Statut de { $name }
roll-choose = Choisir…
roll-note-for = Note pour { $name }
roll-note = Note
roll-nobody = Aucun étudiant n'est encore inscrit.
roll-add-students = Ajouter des étudiants
how-qr = QR
how-code = code
how-manual = à la main
how-close = à la clôture
how-justification = justifié
how-qr-at = QR à { $time }
how-code-at = code à { $time }
how-manual-at = à la main à { $time }
how-close-at = à la clôture, { $time }
how-justification-at = justifié à { $time }
projector-full-screen = Plein écran
projector-opens-at = Le pointage ouvre à
projector-appears = Le code s'affiche ici de lui-même à l'ouverture.
projector-no-code = Aucun code à afficher.
projector-not-open = Pas encore ouvert au pointage
projector-scan = Scannez avec l'appareil photo de votre téléphone
projector-or-type = ou tapez le code
projector-new-code-in = nouveau code dans
projector-seconds-unit = s
projector-checked-in = pointés

## Justificatifs

justify-title = Justifier une absence
justify-reason = Motif
justify-document = Document (facultatif : PDF, PNG ou JPEG, 2 Mo au plus)
justify-send = Envoyer
justify-sent = Votre justificatif est envoyé. Vous verrez la décision ici.
justifications-filter = Filtre
justifications-nothing = Rien ici.
justifications-how-before = Pour justifier une absence, ouvrez
justifications-how-after = et choisissez « Justifier » à côté de celle-ci.
justifications-sent = envoyé { $when }
justifications-attachment = Pièce jointe :
justifications-comment = Commentaire :
justifications-comment-optional = Commentaire (facultatif)
justifications-approve = Accepter
justifications-reject = Refuser
justifications-state-pending = En attente de décision
justifications-state-approved = Accepté
justifications-state-rejected = Refusé
justifications-tab-pending = En attente
justifications-tab-approved = Acceptés
justifications-tab-rejected = Refusés
justifications-tab-all = Tous
justifications-approved-done = Accepté : l'absence est désormais excusée.
justifications-rejected-done = Refusé.

## Cours

field-code = Code
field-term = Semestre
field-time-zone = Fuseau horaire
courses-search-label = Rechercher des cours
courses-search-placeholder = Code ou intitulé
courses-search = Rechercher
courses-none = Aucun cours pour l'instant.
courses-students = Étudiants
courses-links = Liens
courses-report = Bilan
courses-new = Nouveau cours
courses-code-example = Code (p. ex. CS101-2026F)
courses-professors = Enseignants
courses-no-professors = Aucun enseignant pour l'instant : créez d'abord leurs comptes dans Utilisateurs.
courses-create = Créer le cours
courses-by-admin = Les nouveaux cours sont créés par un administrateur, qui leur attribue aussi leurs enseignants.
course-created = Cours { $code } créé.
course-students = { $count ->
    [one] { $count } étudiant
   *[other] { $count } étudiants
}
course-times-in = heures en { $zone }
course-settings = Paramètres
course-none-today = Aucune séance aujourd'hui.
course-upcoming = À venir
course-nothing-scheduled = Rien de prévu.
course-new-session = Nouvelle séance
course-create-session = Créer la séance
course-series = Série hebdomadaire
course-days = Jours
course-minutes = Minutes
course-from = Du
course-until = Au
course-skip-dates = Dates à sauter (AAAA-MM-JJ, séparées par des virgules)
course-create-series = Créer la série
course-past = Passées
course-no-past = Aucune séance passée.
weekday-monday = Lundi
weekday-tuesday = Mardi
weekday-wednesday = Mercredi
weekday-thursday = Jeudi
weekday-friday = Vendredi
weekday-saturday = Samedi
weekday-sunday = Dimanche

## Le bilan d'un cours

report-title = Bilan de présence
report-title-of = Bilan de { $course }
report-download-csv = Télécharger en CSV
report-download-semicolon = Télécharger pour Excel en français (CSV avec ;)
report-download-semicolon-hint = Séparé par des points-virgules, avec des virgules décimales : ce que les versions françaises et la plupart des versions européennes d'Excel ouvrent directement
report-download-xlsx = Télécharger pour Excel
report-overall = Présence globale :
report-held = { $count ->
    [one] { $count } séance tenue à ce jour
   *[other] { $count } séances tenues à ce jour
}
report-per-session = Présence par séance
report-chart-title = Étudiants présents, en retard, excusés et absents à chaque séance
report-matrix-label = Tableau des présences
report-number = Numéro
report-rate = Taux
report-warning = Alerte
report-over-limit = Limite dépassée
report-near-limit = Proche de la limite
report-key = P présent · R en retard · E excusé · A absent · · pas encore de relevé
report-short-present = P
report-short-late = R
report-short-excused = E
report-short-absent = A

## Pages qui ne sont pas pour le visiteur, et formulaires

page-not-found = Introuvable
page-not-yours = Il n'y a rien ici pour vous : cela n'existe pas, a été supprimé ou ne vous appartient pas. Vérifiez le lien ou revenez à votre page d'accueil.
page-staff-only = Cette page est réservée aux enseignants et aux administrateurs.
page-admin-only = Cette page est réservée aux administrateurs.
page-went-wrong = Un problème est survenu
form-correct-fields = Veuillez corriger les champs signalés.
