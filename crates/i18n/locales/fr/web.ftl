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
