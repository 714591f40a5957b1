# Les erreurs de l’API, en français : le LocalizedMessage de chaque erreur
# (crates/api/src/error.rs).

error-invalid = Certaines valeurs ne conviennent pas : { $fields }.
error-login-refused = Nom d’utilisateur ou mot de passe incorrect.
error-login-ended = Votre connexion a expiré ou a été fermée ; reconnectez-vous.
error-login-required = Connectez-vous d’abord.
error-permission-denied = Vous n’avez pas le droit de faire ceci.
error-not-found = Élément introuvable.
error-already-exists = Cette valeur de « { $field } » est déjà prise.
error-failed-precondition = Ce n’est pas possible dans l’état actuel.
error-password-change-required = Changez d’abord votre mot de passe : il a été défini pour vous et doit être changé avant toute autre chose.
error-throttled-seconds = Trop de connexions échouées ; réessayez dans { $n ->
    [one] { $n } seconde
   *[other] { $n } secondes
}.
error-throttled-minutes = Trop de connexions échouées ; réessayez dans { $n ->
    [one] { $n } minute
   *[other] { $n } minutes
}.
error-unavailable = Le service est momentanément indisponible ; réessayez dans un instant.
error-directory-unavailable = L’annuaire qui vérifie les mots de passe est momentanément indisponible ; réessayez dans un instant.
error-internal = Une erreur s’est produite sur le serveur ; elle a été enregistrée.

## Présences refusées, selon la raison de leur ErrorInfo

error-checkin-not-student = Seuls les étudiants peuvent enregistrer leur présence.
error-checkin-token-malformed = Ce n’est pas un code de présence ClassTrack valide.
error-checkin-session-not-found = Cette séance n’existe pas.
error-checkin-token-expired = Ce code a expiré. Scannez à nouveau le code affiché à l’écran.
error-checkin-wrong-session = Ce code appartient à une autre séance.
error-checkin-code-invalid = Ce code n’est pas correct. Vérifiez le code affiché à l’écran.
error-checkin-session-cancelled = Cette séance a été annulée.
error-checkin-session-not-open-yet = L’enregistrement des présences de cette séance n’est pas encore ouvert.
error-checkin-session-closed = L’enregistrement des présences de cette séance est fermé.
error-checkin-not-enrolled = Vous n’êtes pas inscrit à ce cours.
error-checkin-device-in-use = Cet appareil a déjà servi à enregistrer la présence d’un autre étudiant pendant cette séance.
error-checkin-location-required = Cette séance a besoin de votre position pour enregistrer votre présence.
error-checkin-outside-geofence = Vous n’êtes pas dans la zone de la salle.
error-checkin-address-not-allowed = Enregistrez votre présence depuis le réseau du campus.
error-checkin-too-many-attempts = Trop de codes erronés pour cette séance. Scannez plutôt le code QR.
error-checkin-scan-proof-invalid = Ce scan n’a pas pu être confirmé. Scannez à nouveau le code affiché à l’écran.

## Exports (rapport du cours en CSV et XLSX)

export-student-number = Numéro d’étudiant
export-username = Identifiant
export-display-name = Nom
export-present = Présent
export-late = En retard
export-excused = Excusé
export-absent = Absent
export-rate-percent = Taux de présence (%)
export-warning = Alerte
export-status-present = présent
export-status-late = en retard
export-status-excused = excusé
export-status-absent = absent
export-near-limit = proche de la limite
export-over-limit = au-delà de la limite
export-session-title = Séance
export-session-start = Début
export-session-end = Fin
export-session-zone = Fuseau horaire

## Connexion d’un appareil (classtrack login --sso), selon la raison de l’ErrorInfo

error-device-authorization-pending = En attente de l’approbation de la connexion.
error-device-slow-down = Interrogations trop rapprochées ; attendez { $seconds } s entre deux interrogations.
error-device-access-denied = La connexion a été refusée.
error-device-expired-token = Le code de connexion a expiré ; recommencez.
error-device-invalid-device-code = Code d’appareil inconnu, ou sa connexion a déjà été délivrée ; recommencez.
