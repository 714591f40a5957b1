# Les erreurs de l’API, en français : le LocalizedMessage de chaque erreur
# (crates/api/src/error.rs).

api-error-invalid = Certaines valeurs ne conviennent pas : { $fields }.
api-error-login-refused = Nom d’utilisateur ou mot de passe incorrect.
api-error-login-ended = Votre connexion a expiré ou a été fermée ; reconnectez-vous.
api-error-login-required = Connectez-vous d’abord : cet appel demande un en-tête `authorization: Bearer <token>`.
api-error-not-found = Élément introuvable.
api-error-already-exists = Cette valeur de « { $field } » est déjà prise.
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

## Pourquoi une demande est refusée

api-error-not-found-named = { $name } est introuvable.
api-error-hidden = Vous ne pouvez pas voir { $name }.
api-error-admin-only = Seul un administrateur peut faire ceci.
api-error-staff-only = Les étudiants ne peuvent pas faire ceci.
api-error-course-staff-only = Seuls les enseignants de ce cours ou un administrateur peuvent faire ceci.
api-error-not-enrolled = Vous n’êtes pas inscrit à ce cours.
api-error-student-not-enrolled = { $student } n’est pas inscrit à { $course }.
api-error-own-account-only = Vous ne pouvez voir que votre propre compte et ceux de vos étudiants.
api-error-own-attendance-only = Vous ne pouvez voir que vos propres présences.
api-error-last-admin = Le dernier administrateur ne peut pas perdre le rôle d’administrateur.
api-error-deactivate-self = Vous ne pouvez pas désactiver votre propre compte.
api-error-password-at-provider = Votre mot de passe est géré par le fournisseur d’identité de votre établissement : changez-le là-bas.
api-error-admin-password-weak = Le mot de passe de l’administrateur (CLASSTRACK_ADMIN_PASSWORD) { $why } ; choisissez-en un autre.
api-error-not-with-api-token = Un jeton d’API ne peut pas faire ceci : connectez-vous en votre nom.
api-error-professor-own-courses = Un enseignant ne peut créer que des cours qu’il enseigne lui-même.
api-error-course-code-admin-only = Seul un administrateur peut changer le code d’un cours.
api-error-session-cancelled = Cette séance a été annulée.
api-error-session-closed = Cette séance est close.
api-error-session-cancelled-no-change = Cette séance a été annulée et ne peut plus changer.
api-error-session-closed-times = Les horaires d’une séance close ne peuvent pas changer.
api-error-session-closed-no-cancel = Une séance close ne peut pas être annulée.
api-error-session-cancelled-no-close = Une séance annulée ne peut pas être close.
api-error-session-cancelled-counts-for-nobody = Cette séance a été annulée ; elle ne compte pour personne.
api-error-students-justify = Seuls les étudiants soumettent des justificatifs.
api-error-justify-absence-only = Seule une absence ou un retard peut être justifié.
api-error-justification-decided = Ce justificatif a déjà été traité.
api-error-no-attachment = Ce justificatif n’a pas de pièce jointe.
api-error-no-such-provider = Aucun fournisseur d’identité ne s’appelle « { $name } ».
api-error-sso-no-account = Vous n’avez pas encore de compte ClassTrack ; demandez à un administrateur d’en créer un.
api-error-sso-account-conflict = Votre compte chez le fournisseur d’identité correspond à un autre compte ClassTrack ; un administrateur doit régler ce conflit (il est enregistré dans le journal).

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

## Un mot de passe choisi trop facile à deviner (une erreur de champ), avec les conseils de zxcvbn

api-password-too-easy = est trop facile à deviner
api-password-too-easy-because = est trop facile à deviner : { $advice }
api-password-personal = Il contient le nom d’utilisateur, le nom ou l’adresse e-mail du compte.
api-password-warning-straight-rows = Les rangées de touches à la suite sont faciles à deviner.
api-password-warning-short-keyboard-patterns = Les motifs de clavier courts sont faciles à deviner.
api-password-warning-repeats-like-aaa = Les répétitions comme « aaa » sont faciles à deviner.
api-password-warning-repeats-like-abcabc = Les répétitions comme « abcabcabc » sont à peine plus difficiles à deviner que « abc ».
api-password-warning-top-10 = C’est l’un des 10 mots de passe les plus courants.
api-password-warning-top-100 = C’est l’un des 100 mots de passe les plus courants.
api-password-warning-common = C’est un mot de passe très courant.
api-password-warning-similar-to-common = Il ressemble à un mot de passe très utilisé.
api-password-warning-sequences = Les suites comme abc ou 6543 sont faciles à deviner.
api-password-warning-recent-years = Les années récentes sont faciles à deviner.
api-password-warning-word-by-itself = Un mot seul est facile à deviner.
api-password-warning-dates = Les dates sont souvent faciles à deviner.
api-password-warning-names-by-themselves = Les noms et prénoms seuls sont faciles à deviner.
api-password-warning-common-names = Les noms et prénoms courants sont faciles à deviner.
api-password-suggestion-few-words = Utilisez quelques mots et évitez les expressions courantes.
api-password-suggestion-no-symbols-needed = Pas besoin de symboles, de chiffres ni de majuscules.
api-password-suggestion-another-word = Ajoutez un ou deux mots. Les mots peu courants sont meilleurs.
api-password-suggestion-capitalization = Les majuscules n’aident pas beaucoup.
api-password-suggestion-all-uppercase = Tout en majuscules est presque aussi facile à deviner que tout en minuscules.
api-password-suggestion-reversed-words = Les mots à l’envers ne sont guère plus difficiles à deviner.
api-password-suggestion-substitutions = Les substitutions prévisibles comme « @ » au lieu de « a » n’aident pas beaucoup.
api-password-suggestion-longer-keyboard-pattern = Utilisez un motif de clavier plus long, avec plus de changements de direction.
api-password-suggestion-repeated = Évitez les mots et caractères répétés.
api-password-suggestion-sequences = Évitez les suites.
api-password-suggestion-recent-years = Évitez les années récentes.
api-password-suggestion-years-associated = Évitez les années qui vous sont associées.
api-password-suggestion-dates-associated = Évitez les dates et années qui vous sont associées.
