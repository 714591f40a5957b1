# Les pages de l’administrateur (utilisateurs, imports, supervision, jetons d’API), les réglages
# et les étudiants d’un cours, les pages du mot de passe et des appareils, en français.

## Mots communs à ces pages

admin-save = Enregistrer
admin-show = Afficher
admin-search = Rechercher
admin-next-page = Page suivante
admin-back = Retour
admin-cancel = Annuler
admin-done = Terminé
admin-continue = Continuer
admin-none = Aucun.
admin-or-paste = …ou collez-le ici
admin-check-file = Vérifier le fichier
admin-file = Fichier
admin-correct-fields = Veuillez corriger les champs signalés.
admin-whole-number = Saisissez un nombre entier.

## En-têtes de colonnes et libellés des formulaires

admin-col-name = Nom
admin-col-username = Identifiant
admin-col-email = Adresse électronique
admin-col-number = Numéro
admin-col-role = Rôle
admin-col-state = État
admin-col-when = Date
admin-col-course = Cours
admin-col-student = Étudiant
admin-col-reason = Motif
admin-col-detail = Détail
admin-col-address = Adresse
admin-col-device = Appareil
admin-col-time = Horaire
admin-col-room = Salle
admin-col-here = Présents
admin-col-count = Nombre
admin-col-who = Qui
admin-col-from = Depuis
admin-col-action = Action
admin-col-on = Sur
admin-col-line = Ligne
admin-col-column = Colonne
admin-col-problem = Problème
admin-col-one-time-password = Mot de passe à usage unique
admin-col-made-by = Créé par
admin-col-made = Créé le
admin-col-expires = Expire le
admin-col-enrolled = Inscrit le
admin-field-username = Identifiant
admin-field-full-name = Nom complet
admin-field-email = Adresse électronique
admin-field-student-number = Numéro d’étudiant

## Les rôles, dans les formulaires et les filtres

admin-role-student = Étudiant
admin-role-professor = Enseignant
admin-role-admin = Administrateur
admin-roles-everyone = Tout le monde
admin-roles-students = Étudiants
admin-roles-professors = Enseignants
admin-roles-admins = Administrateurs

## La vue d’ensemble

admin-overview-title = Vue d’ensemble
admin-count-check-ins-today = Pointages aujourd’hui
admin-count-refused-today = Refusés aujourd’hui
admin-count-sessions = Séances
admin-count-courses = Cours
admin-count-students = Étudiants
admin-count-professors = Enseignants
admin-count-admins = Administrateurs
admin-overview-today = Séances du jour
admin-overview-no-sessions = Aucune séance aujourd’hui.
admin-overview-here-of = { $here } / { $enrolled }
admin-overview-refused-today = Pointages refusés aujourd’hui
admin-overview-all-refused = Tous les pointages refusés

## Pointages refusés

admin-rejections-title = Pointages refusés
admin-rejections-any = Tous
admin-rejections-none = Aucun pointage refusé.

## Le journal d’audit

admin-audit-title = Journal d’audit
admin-audit-action-starts = Action commençant par
admin-audit-nothing = Rien n’a été enregistré.
# L’auteur, quand ce n’est personne (une tâche de fond).
admin-audit-system = système

## Utilisateurs

admin-users-title = Utilisateurs
admin-users-new = Nouvel utilisateur
admin-users-import-csv = Importer un CSV
admin-users-search-placeholder = Nom, identifiant, courriel ou numéro
admin-users-include-inactive = Inclure les comptes désactivés
admin-users-none = Aucun utilisateur ne correspond.
admin-users-active = Actif
admin-users-deactivated = Désactivé

## La page d’un utilisateur

admin-user-new = Nouvel utilisateur
admin-user-deactivated-notice = Ce compte est désactivé : il ne peut pas se connecter.
admin-user-username-is = Identifiant :
admin-user-student-number = Numéro d’étudiant (étudiants)
admin-user-password = Mot de passe (laissez vide pour en générer un)
admin-user-create = Créer l’utilisateur
admin-user-account = Compte
admin-user-reset-confirm = Définir un nouveau mot de passe aléatoire et déconnecter cet utilisateur partout ?
admin-user-reset = Réinitialiser le mot de passe
admin-user-deactivate-confirm = Désactiver ce compte ? La personne ne pourra plus se connecter.
admin-user-deactivate = Désactiver
admin-user-reactivate = Réactiver
admin-user-who = { $name } ({ $username }), { $role ->
    [admin] administrateur
    [professor] enseignant
   *[student] étudiant
}
admin-user-created-flash = Compte créé : { $who }.
admin-user-created = Utilisateur créé
admin-user-saved = { $username } enregistré.
admin-user-reactivated = Compte réactivé : la personne peut de nouveau se connecter.
admin-user-deactivated = Compte désactivé : la personne ne peut plus se connecter. Ses présences sont conservées.
admin-user-reset-title = Mot de passe réinitialisé
admin-user-reset-heading = Nouveau mot de passe
admin-user-logged-out = { $name } ({ $username }) est déconnecté partout.

## Importer des utilisateurs

admin-users-import-title = Importer des utilisateurs
admin-users-import-help = Envoyez un tableur avec une ligne d’en-tête : un fichier Excel (.xlsx) ou OpenDocument (.ods), ou un CSV tel que l’enregistre n’importe quel tableur (séparé par des virgules, des points-virgules ou des tabulations ; UTF-8, UTF-16 ou Windows-1252). Colonnes obligatoires : <code>username</code>, <code>email</code>, <code>display_name</code>, <code>role</code> (admin, professor ou student) ; <code>student_number</code> et <code>password</code> sont facultatives (un mot de passe est généré si la case est vide). Le fichier d’import d’utilisateurs de Moodle (<code>username</code>, <code>firstname</code>, <code>lastname</code>, <code>email</code>, <code>idnumber</code>) est reconnu ; les personnes qu’il contient sont des étudiants.
admin-users-import-first = Vous voyez d’abord chaque problème, ou ce qui serait créé ; rien n’est écrit avant votre confirmation.
admin-users-import-valid = Le fichier est valide : { $count ->
    [one] { $count } utilisateur serait créé
   *[other] { $count } utilisateurs seraient créés
}. Rien n’est écrit avant votre confirmation.
admin-users-import-done = { $count ->
    [one] { $count } utilisateur créé
   *[other] { $count } utilisateurs créés
}. Remettez les mots de passe à usage unique ci-dessous ; ils ne seront plus affichés.

## L’aperçu et le résultat d’un import (utilisateurs ou étudiants d’un cours)

admin-import-check = Vérifier avant d’importer
admin-import-done = Import terminé
admin-import-read-as = Lu comme : { $how }.
admin-import-problems = { $count ->
    [one] { $count } problème trouvé
   *[other] { $count } problèmes trouvés
}
admin-import-would-create = Nouveaux comptes qui seraient créés
admin-import-new-accounts = Nouveaux comptes
admin-import-now = Importer maintenant
admin-import-nothing-written = Rien n’a été écrit. Corrigez ces lignes et envoyez de nouveau le fichier.

## Un mot de passe à usage unique, affiché une fois

admin-secret-one-time = Mot de passe à usage unique (affiché seulement maintenant ; la personne devra le changer après s’être connectée) :

## Jetons d’API

admin-tokens-title = Jetons d’API
admin-tokens-hint = Des jetons pour les scripts : chacun agit avec son propre rôle jusqu’à son expiration ou sa révocation. Désactiver l’administrateur qui l’a créé le révoque aussi.
admin-tokens-made = Créé :
admin-tokens-secret = Son secret, affiché seulement maintenant (envoyez-le sous la forme <code>authorization: Bearer …</code>) :
admin-tokens-none = Aucun jeton d’API.
admin-tokens-revoke = Révoquer
admin-tokens-new = Nouveau jeton
admin-tokens-days = Durée de validité en jours (366 au plus)
admin-tokens-make = Créer le jeton
admin-tokens-days-missing = Indiquez sa durée de validité en jours (de 1 à 366).
admin-tokens-revoked = Jeton révoqué : il ne fonctionne plus.

## Les réglages d’un cours

admin-course-settings-title = Réglages de { $code }
admin-course-settings = Réglages du cours
admin-course-back = Retour au cours
admin-course-legend-course = Cours
admin-course-code = Code
admin-course-course-title = Intitulé
admin-course-term = Semestre
admin-course-time-zone = Fuseau horaire (par ex. Europe/Paris)
admin-course-legend-check-in = Pointage (vide = valeur par défaut)
admin-course-qr-rotation = Secondes entre deux codes QR (5 à 300, 10 par défaut)
admin-course-qr-grace = Délai de grâce après un changement, en secondes (0 à 30, 3 par défaut)
admin-course-late-after = En retard après, en minutes (10 par défaut)
admin-course-opens-before = Ouverture avant le début, en minutes (10 par défaut)
admin-course-legend-geofence = Zone de la salle (géorepérage ; vide = partout)
admin-course-geofence-hint = Si elle est définie, les étudiants doivent partager la position de leur téléphone et se trouver dans le rayon pour pointer. En degrés décimaux, par ex. 38.7369 et -9.1427.
admin-course-latitude = Latitude
admin-course-longitude = Longitude
admin-course-radius = Rayon, en mètres (10 à 10000)
admin-course-legend-absence = Alertes d’absence (0 = désactivée)
admin-course-absence-percent = Part des séances manquées, en %
admin-course-unexcused = Absences non justifiées
admin-course-in-a-row = Absences consécutives
admin-course-legend-professors = Enseignants
admin-course-fence-together = Renseignez ensemble la latitude, la longitude et le rayon, ou laissez les trois vides.
admin-course-fence-number = Saisissez un nombre, par ex. 38.7369 (degrés décimaux) ou 80 (mètres).
admin-course-saved = Réglages du cours enregistrés.

## Les étudiants d’un cours

admin-enrol-title = Étudiants de { $code }
admin-enrol-students = Étudiants
admin-enrol-add = Ajouter un étudiant
admin-enrol-enroll = Inscrire
admin-enrol-import = Importer un CSV
admin-enrol-import-help = Colonnes : <code>username</code> (obligatoire), <code>email</code>, <code>display_name</code>, <code>student_number</code>. Un nouvel étudiant doit avoir une adresse électronique et un nom. Vous voyez chaque problème avant que rien ne soit écrit.
admin-enrol-csv-file = Fichier CSV
admin-enrol-create = Créer un compte étudiant
admin-enrol-create-enroll = Créer et inscrire
admin-enrol-none = Aucun étudiant pour l’instant.
admin-enrol-remove = Retirer
admin-enrol-remove-confirm = Retirer { $name } de ce cours ?
admin-enrol-enrolled = { $who } est inscrit.
admin-enrol-created = Étudiant créé
admin-enrol-created-heading = Étudiant créé et inscrit
admin-enrol-removed = Étudiant retiré du cours. Ses présences passées sont conservées.
admin-enrol-no-such-course = Ce cours n’existe pas.
admin-enrol-import-title = Importer des étudiants
admin-enrol-import-valid = Le fichier est valide : { $count ->
    [one] { $count } étudiant serait inscrit
   *[other] { $count } étudiants seraient inscrits
}, dont { $created ->
    [one] { $created } nouveau compte
   *[other] { $created } nouveaux comptes
}, { $already ->
    [one] { $already } déjà inscrit
   *[other] { $already } déjà inscrits
}. Rien n’est écrit avant votre confirmation.
admin-enrol-import-done = { $count ->
    [one] { $count } étudiant inscrit
   *[other] { $count } étudiants inscrits
}, { $created ->
    [one] { $created } nouveau compte créé
   *[other] { $created } nouveaux comptes créés
}, { $already ->
    [one] { $already } était déjà inscrit
   *[other] { $already } étaient déjà inscrits
}. Remettez les mots de passe à usage unique ci-dessous ; ils ne seront plus affichés.

## Changer son mot de passe

admin-password-title = Changer le mot de passe
admin-password-current = Mot de passe actuel
admin-password-new = Nouveau mot de passe
admin-password-again = Nouveau mot de passe (confirmation)
admin-password-submit = Changer le mot de passe
admin-password-hint-strong = Choisissez-en un difficile à deviner : quelques mots peu courants conviennent bien ; votre nom, votre identifiant ou un mot de passe courant sont refusés.
admin-password-hint-elsewhere = Changer votre mot de passe vous déconnecte partout ailleurs.
admin-password-not-same = Les deux nouveaux mots de passe ne sont pas identiques.
admin-password-wrong-current = Ce n’est pas votre mot de passe actuel.
admin-password-changed = Votre mot de passe a été changé.
admin-password-set-for-you = Votre mot de passe a été défini pour vous : choisissez le vôtre avant de continuer.

## Connecter un appareil (classtrack login --sso)

admin-device-title = Connecter un appareil
admin-device-asks = Un appareil demande à être connecté à votre compte avec ce code :
admin-device-what = Quoi
admin-device-from = Depuis
admin-device-hint = N’approuvez que si vous avez lancé cette demande vous-même et que le code est bien celui que l’appareil affiche.
admin-device-approve = Approuver
admin-device-deny = Refuser
admin-device-enter = Saisissez le code qu’affiche votre appareil (par exemple <code>classtrack login --sso</code>).
admin-device-code = Code
admin-device-approved = Approuvé : l’appareil est connecté à votre compte. Vous pouvez y retourner.
admin-device-denied = Refusé : l’appareil n’a pas été connecté.

## Envois de fichiers

admin-upload-broken = L’envoi n’est pas arrivé en entier. Réessayez.
admin-upload-expired-title = Ce formulaire a expiré
admin-upload-expired = Revenez en arrière, rechargez la page et réessayez.
