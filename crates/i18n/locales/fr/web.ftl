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
nav-check-in = Pointer
nav-history = Mes présences

## La page de connexion

login-title = Connexion
login-heading = Connexion
login-username = Identifiant ou adresse électronique
login-password = Mot de passe
login-submit = Se connecter

## Pages d’erreur

error-not-allowed = Accès refusé

## Pour les tests de la bibliothèque (règles de pluriel)

test-students = { $count ->
    [one] { $count } étudiant
   *[other] { $count } étudiants
}
