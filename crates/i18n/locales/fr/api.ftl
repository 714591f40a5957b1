# Les erreurs de l’API, en français : le LocalizedMessage de chaque erreur
# (crates/api/src/error.rs).

api-error-invalid = Certaines valeurs ne conviennent pas : { $fields }.
api-error-login-refused = Nom d’utilisateur ou mot de passe incorrect.
api-error-login-ended = Votre connexion a expiré ou a été fermée ; reconnectez-vous.
api-error-login-required = Connectez-vous d’abord.
api-error-permission-denied = Vous n’avez pas le droit de faire ceci.
api-error-not-found = Élément introuvable.
api-error-already-exists = Cette valeur de « { $field } » est déjà prise.
api-error-failed-precondition = Ce n’est pas possible dans l’état actuel.
api-error-password-change-required = Changez d’abord votre mot de passe : il a été défini pour vous et doit être changé avant toute autre chose.
api-error-throttled-seconds = Trop de connexions échouées ; réessayez dans { $n ->
    [one] { $n } seconde
   *[other] { $n } secondes
}.
api-error-throttled-minutes = Trop de connexions échouées ; réessayez dans { $n ->
    [one] { $n } minute
   *[other] { $n } minutes
}.
api-error-unavailable = Le service est momentanément indisponible ; réessayez dans un instant.
api-error-directory-unavailable = L’annuaire qui vérifie les mots de passe est momentanément indisponible ; réessayez dans un instant.
api-error-sso-state-unknown = Cette connexion par le fournisseur d’identité de votre établissement est inconnue, déjà utilisée ou expirée. Veuillez recommencer.
api-error-sso-token-invalid = La réponse du fournisseur d’identité n’a pas pu être vérifiée. Veuillez recommencer.
api-error-sso-account-unusable = Votre compte chez le fournisseur d’identité ne donne pas ce dont ClassTrack a besoin (par exemple une adresse e-mail vérifiée). Un administrateur peut en voir la raison dans le journal.
api-error-provider-unavailable = Le fournisseur d’identité est momentanément indisponible ; réessayez dans un instant.
api-error-internal = Une erreur s’est produite sur le serveur ; elle a été enregistrée.

## Présences refusées, selon la raison de leur ErrorInfo

api-error-checkin-not-student = Seuls les étudiants peuvent enregistrer leur présence.
api-error-checkin-token-malformed = Ce n’est pas un code de présence ClassTrack valide.
api-error-checkin-session-not-found = Cette séance n’existe pas.
api-error-checkin-token-expired = Ce code a expiré. Scannez à nouveau le code affiché à l’écran.
api-error-checkin-wrong-session = Ce code appartient à une autre séance.
api-error-checkin-code-invalid = Ce code n’est pas correct. Vérifiez le code affiché à l’écran.
api-error-checkin-session-cancelled = Cette séance a été annulée.
api-error-checkin-session-not-open-yet = L’enregistrement des présences de cette séance n’est pas encore ouvert.
api-error-checkin-session-closed = L’enregistrement des présences de cette séance est fermé.
api-error-checkin-not-enrolled = Vous n’êtes pas inscrit à ce cours.
api-error-checkin-device-in-use = Cet appareil a déjà servi à enregistrer la présence d’un autre étudiant pendant cette séance.
api-error-checkin-location-required = Cette séance a besoin de votre position pour enregistrer votre présence.
api-error-checkin-outside-geofence = Vous n’êtes pas dans la zone de la salle.
api-error-checkin-address-not-allowed = Enregistrez votre présence depuis le réseau du campus.
api-error-checkin-too-many-attempts = Trop de codes erronés pour cette séance. Scannez plutôt le code QR.
api-error-checkin-scan-proof-invalid = Ce scan n’a pas pu être confirmé. Scannez à nouveau le code affiché à l’écran.

## Exports (rapport du cours en CSV et XLSX)

api-export-student-number = Numéro d’étudiant
api-export-username = Identifiant
api-export-display-name = Nom
api-export-present = Présent
api-export-late = En retard
api-export-excused = Excusé
api-export-absent = Absent
api-export-rate-percent = Taux de présence (%)
api-export-warning = Alerte
api-export-status-present = présent
api-export-status-late = en retard
api-export-status-excused = excusé
api-export-status-absent = absent
api-export-near-limit = proche de la limite
api-export-over-limit = au-delà de la limite
api-export-session-title = Séance
api-export-session-start = Début
api-export-session-end = Fin
api-export-session-zone = Fuseau horaire

## Connexion d’un appareil (classtrack login --sso), selon la raison de l’ErrorInfo

api-error-device-authorization-pending = En attente de l’approbation de la connexion.
api-error-device-slow-down = Interrogations trop rapprochées ; attendez { $seconds } s entre deux interrogations.
api-error-device-access-denied = La connexion a été refusée.
api-error-device-expired-token = Le code de connexion a expiré ; recommencez.
api-error-device-invalid-device-code = Code d’appareil inconnu, ou sa connexion a déjà été délivrée ; recommencez.

## Pourquoi un étudiant approche ou dépasse une limite d'absences

api-warning-missed-share = { $share } % des séances du semestre manquées (limite { $limit } %)
api-warning-near-share = une absence de plus atteint { $limit } % des séances du semestre
api-warning-unexcused = { $count ->
    [one] { $count } absence non excusée
   *[other] { $count } absences non excusées
} (limite { $limit })
api-warning-near-unexcused = { $count ->
    [one] { $count } absence non excusée
   *[other] { $count } absences non excusées
} ; la limite est { $limit }
api-warning-in-a-row = { $count } absences d'affilée (limite { $limit })
api-warning-near-in-a-row = une absence de plus fait { $limit } d'affilée

## Ce qui ne va pas dans un champ

api-field-empty = ne doit pas être vide
api-field-too-short = doit compter au moins { $min } caractères
api-field-too-long = doit compter au plus { $max } caractères (il y en a { $got })
api-field-control = ne doit pas contenir de caractères de contrôle
api-field-username-chars = ne peut contenir que des minuscules, des chiffres, « . », « _ » et « - », en commençant par une lettre ou un chiffre
api-field-not-email = « { $value } » n'est pas une adresse e-mail
api-field-student-number-chars = ne peut contenir que des lettres, des chiffres et « - »
api-field-course-code-chars = ne peut contenir que des lettres, des chiffres, « . », « _ » et « - »
api-field-time-zone = « { $value } » n'est pas un fuseau horaire IANA comme Europe/Paris
api-field-range = doit être compris entre { $lo } et { $hi }
api-field-range-seconds = doit être compris entre { $lo } et { $hi } secondes (valeur : { $got })
api-field-range-minutes = doit être compris entre { $lo } et { $hi } minutes (valeur : { $got })
api-field-range-metres = doit être compris entre { $lo } et { $hi } mètres
api-field-not-network = « { $value } » n'est pas un réseau au format CIDR comme 10.0.0.0/8
api-field-too-many-networks = { $max } réseaux au plus
api-field-no-weekday = choisissez au moins un jour de la semaine
api-field-not-time = doit être une heure comme { $example }
api-field-not-date = doit être une date comme { $example }
api-field-course-zone = le fuseau horaire du cours n'est pas valable
api-field-before-first-date = ne doit pas précéder la première date
api-field-series-too-long = une série couvre au plus un an
api-field-students-only = seuls les étudiants ont un numéro d'étudiant
api-field-choose-role = choisissez administrateur, enseignant ou étudiant
api-field-required = est obligatoire
api-field-after-start = doit être après l'heure de début
api-field-session-too-long = une séance dure au plus 12 heures
api-field-at-most = doit compter au plus { $max } caractères
api-field-same-password = doit être différent du mot de passe actuel
api-field-in-future = doit être dans le futur
api-field-within-year = doit être dans un an (366 jours) au plus
api-field-say-why-absent = dites pourquoi vous étiez absent ou en retard
api-field-file-too-large = le fichier dépasse { $mib } Mio
api-field-file-kind = seuls les fichiers PDF, PNG et JPEG sont acceptés
api-field-say-why-rejected = dites pourquoi le justificatif est refusé
