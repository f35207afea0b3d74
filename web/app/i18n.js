// The phone app's languages: the shell's strings, and t() that also looks in a screen's own
// strings (web/app/screens/<name>.js exports `strings`). A value is either a text or, for a
// count, {one, other} chosen with the language's plural rules (French says "0 message", "1
// message", "2 messages"; English "0 messages"). {name} in a text is replaced by vars.name.

export const languages = ['fr', 'en'];
const kStoredLanguage = 'passerelle.app.lang';

export const shellStrings = {
  fr: {
    'app.name': 'Passerelle',
    'app.skip': 'Aller au contenu',
    'app.language': 'Langue',
    'app.loading': 'Ouverture de Passerelle…',
    'app.open_failed': "Passerelle n'a pas pu s'ouvrir : {message}",
    'app.retry': 'Réessayer',
    'app.other_tab': 'Passerelle est déjà ouvert dans un autre onglet de ce navigateur : utilisez cet onglet, ou fermez-le puis rechargez celui-ci.',
    'app.screen_missing': "Cet écran n'est pas encore disponible dans cette version.",
    'app.error_title': 'Un problème est survenu',
    'app.close': 'Fermer',
    'tab.label': 'Sections',
    'tab.home': 'Accueil', 'tab.plan': 'Plan', 'tab.messages': 'Messages', 'tab.mentoring': 'Mentorat',
    'tab.mentor': 'Mentorat', 'tab.profile': 'Profil',
    'tab.employer': 'Mon entreprise', 'tab.candidates': 'Candidat·es', 'tab.activities': 'Activités',
    'tab.unread': { one: '{n} non lu', other: '{n} non lus' },

    'sync.online': 'En ligne', 'sync.offline': 'Hors ligne', 'sync.connecting': 'Connexion…',
    'sync.syncing': 'Synchronisation…', 'sync.sending': 'Envoi {n} sur {m}…',
    'sync.receiving': { one: 'Réception : {n} élément', other: 'Réception : {n} éléments' },
    'sync.up_to_date': 'À jour', 'sync.error': 'Synchronisation en pause : {message}',
    'sync.waiting': { one: '{n} modification à envoyer', other: '{n} modifications à envoyer' },
    'sync.nothing_waiting': 'Tout est envoyé',
    'sync.try_now': 'Réessayer',
    'sync.last': 'Dernière synchro : {when}', 'sync.never': 'Jamais synchronisé',
    'sync.first': 'Premier chargement de vos données sur ce téléphone…',
    'sync.now': 'à l’instant',
    'sync.label': 'État de la synchronisation',

    'rejected.title': "Ces modifications n'ont pas été acceptées par le serveur",
    'rejected.item': '« {what} » refusé : {reason}',
    'rejected.dismiss': 'Compris, masquer',
    'rejected.code.not_found': "cela n'existe plus sur le serveur", 'rejected.code.forbidden': "vous n'avez pas le droit de faire cela",
    'rejected.code.conflict': 'quelqu’un a fait une autre modification avant vous', 'rejected.code.bad_request': 'une valeur est invalide',
    'rejected.code.too_large': 'c’est trop volumineux',
    'rejected.dismiss_label': 'Masquer le refus de « {what} »',

    'signin.title': 'Connexion', 'signin.intro': 'Votre plan d’action, vos messages et vos rencontres, même hors ligne.',
    'signin.email': 'Courriel', 'signin.password': 'Mot de passe', 'signin.submit': 'Se connecter',
    'signin.busy': 'Connexion…', 'signin.wrong': 'Courriel ou mot de passe incorrect.',
    'signin.rate_limited': 'Trop d’essais : attendez quelques minutes avant de réessayer.', 'signin.failed': 'Connexion impossible : {message}',
    'signin.offline': 'Pas de réseau : la première connexion demande Internet. Réessayez une fois en ligne.',
    'signin.forgot': 'Mot de passe oublié ?', 'signin.session_ended': 'Votre session a pris fin. Reconnectez-vous : vos données sont restées sur ce téléphone.',
    'signin.show_password': 'Afficher le mot de passe',
    'signin.staff': 'Coach ou administrateur ? Le tableau de bord est à {link}.',

    'forgot.title': 'Mot de passe oublié',
    'forgot.intro': 'Indiquez votre courriel : si un compte existe, vous recevrez un lien pour choisir un nouveau mot de passe.',
    'forgot.submit': 'Envoyer le lien', 'forgot.sent': 'C’est fait. Si un compte existe pour {email}, un courriel arrive avec un lien valable 60 minutes.',
    'forgot.back': 'Retour à la connexion',

    'invite.title': 'Créer votre compte', 'invite.intro': 'Bienvenue ! Choisissez le nom affiché à votre coach et un mot de passe.',
    'invite.name': 'Votre nom', 'invite.password': 'Mot de passe (10 caractères au moins)',
    'invite.confirm': 'Confirmez le mot de passe', 'invite.submit': 'Créer mon compte',
    'invite.no_token': "Ce lien d'invitation est incomplet. Ouvrez le lien du courriel en entier, ou demandez une nouvelle invitation à votre coach.",
    'invite.failed': 'Compte non créé : {message}', 'invite.signed_in_as': 'Vous êtes connecté·e comme {name} : créer ce compte vous déconnecte de celui-ci.',

    'reset.title': 'Nouveau mot de passe', 'reset.password': 'Nouveau mot de passe (10 caractères au moins)',
    'reset.confirm': 'Confirmez le mot de passe', 'reset.submit': 'Changer le mot de passe',
    'reset.done': 'Mot de passe changé. Connectez-vous avec le nouveau.', 'reset.failed': 'Mot de passe non changé : {message}',
    'reset.no_token': 'Ce lien est incomplet. Ouvrez le lien du courriel en entier, ou demandez-en un nouveau.',

    'form.mismatch': 'Les deux mots de passe ne sont pas identiques.',
    'form.too_short': 'Le mot de passe doit avoir au moins 10 caractères.',
    'form.required': 'Ce champ est obligatoire.',
    'error.network': 'Le serveur est injoignable. Vérifiez votre connexion et réessayez.',
    'error.generic': '{message}',

    'op.step.set_status': "État d'une étape", 'op.step.note': 'Note sur une étape', 'op.step.comment': 'Commentaire sur une étape',
    'op.step.attach': "Preuve d'une étape", 'op.message.send': 'Message', 'op.receipt.update': 'Accusé de lecture',
    'op.profile.update': 'Profil', 'op.career.update': 'Parcours professionnel', 'op.meeting.request': 'Réservation de rencontre',
    'op.meeting.cancel': 'Annulation de rencontre', 'op.meeting.reschedule': 'Déplacement de rencontre', 'op.meeting.outcome': 'Bilan de rencontre', 'op.plan.share': 'Partage du plan', 'op.mentorship.respond': 'Réponse à un mentorat',
    'op.availability.set': 'Disponibilités', 'op.referral.add': 'Référence', 'op.referral.update': 'Référence', 'op.mentor.update': 'Profil de mentor',
    'op.employer.update': "Profil de l'entreprise", 'op.need.create': 'Nouveau besoin', 'op.need.close': 'Besoin fermé',
    'op.proposal.respond': 'Réponse à une proposition', 'op.internship.outcome': 'Résultat d’un stage', 'op.consent.give': 'Partage du profil', 'op.consent.withdraw': 'Fin du partage du profil',
    'op.activity.register': 'Inscription à une activité', 'op.activity.unregister': 'Désinscription d’une activité',

    'notify.title': 'Rencontre dans une heure', 'notify.body': 'Avec {name}, à {time}.',
  },
  en: {
    'app.name': 'Passerelle',
    'app.skip': 'Skip to content',
    'app.language': 'Language',
    'app.loading': 'Opening Passerelle…',
    'app.open_failed': 'Passerelle could not open: {message}',
    'app.retry': 'Try again',
    'app.other_tab': 'Passerelle is already open in another tab of this browser: use that tab, or close it and reload this one.',
    'app.screen_missing': 'This screen is not available in this version yet.',
    'app.error_title': 'Something went wrong',
    'app.close': 'Close',
    'tab.label': 'Sections',
    'tab.home': 'Home', 'tab.plan': 'Plan', 'tab.messages': 'Messages', 'tab.mentoring': 'Mentoring',
    'tab.mentor': 'Mentoring', 'tab.profile': 'Profile',
    'tab.employer': 'My company', 'tab.candidates': 'Candidates', 'tab.activities': 'Activities',
    'tab.unread': { one: '{n} unread', other: '{n} unread' },

    'sync.online': 'Online', 'sync.offline': 'Offline', 'sync.connecting': 'Connecting…',
    'sync.syncing': 'Syncing…', 'sync.sending': 'Sending {n} of {m}…',
    'sync.receiving': { one: 'Receiving: {n} item', other: 'Receiving: {n} items' },
    'sync.up_to_date': 'Up to date', 'sync.error': 'Sync paused: {message}',
    'sync.waiting': { one: '{n} change waiting to be sent', other: '{n} changes waiting to be sent' },
    'sync.nothing_waiting': 'Everything is sent',
    'sync.try_now': 'Try now',
    'sync.last': 'Last synced: {when}', 'sync.never': 'Never synced',
    'sync.first': 'Loading your data onto this phone for the first time…',
    'sync.now': 'just now',
    'sync.label': 'Sync status',

    'rejected.title': 'The server did not accept these changes',
    'rejected.item': '“{what}” refused: {reason}',
    'rejected.dismiss': 'Got it, hide',
    'rejected.code.not_found': 'it no longer exists on the server', 'rejected.code.forbidden': 'you are not allowed to do this',
    'rejected.code.conflict': 'someone made another change before you', 'rejected.code.bad_request': 'a value is not valid',
    'rejected.code.too_large': 'it is too large',
    'rejected.dismiss_label': 'Hide the refusal of “{what}”',

    'signin.title': 'Sign in', 'signin.intro': 'Your action plan, your messages and your meetings, offline too.',
    'signin.email': 'E-mail', 'signin.password': 'Password', 'signin.submit': 'Sign in',
    'signin.busy': 'Signing in…', 'signin.wrong': 'Wrong e-mail or password.',
    'signin.rate_limited': 'Too many tries: wait a few minutes before trying again.', 'signin.failed': 'Could not sign in: {message}',
    'signin.offline': 'No network: the first sign-in needs the Internet. Try again once online.',
    'signin.forgot': 'Forgot your password?', 'signin.session_ended': 'Your session ended. Sign in again: your data stayed on this phone.',
    'signin.show_password': 'Show password',
    'signin.staff': 'Coach or administrator? The dashboard is at {link}.',

    'forgot.title': 'Forgot your password',
    'forgot.intro': 'Enter your e-mail: if an account exists, you will receive a link to choose a new password.',
    'forgot.submit': 'Send the link', 'forgot.sent': 'Done. If an account exists for {email}, an e-mail is on its way with a link that works for 60 minutes.',
    'forgot.back': 'Back to sign-in',

    'invite.title': 'Create your account', 'invite.intro': 'Welcome! Choose the name your coach will see and a password.',
    'invite.name': 'Your name', 'invite.password': 'Password (at least 10 characters)',
    'invite.confirm': 'Confirm the password', 'invite.submit': 'Create my account',
    'invite.no_token': 'This invitation link is incomplete. Open the whole link from the e-mail, or ask your coach for a new invitation.',
    'invite.failed': 'Account not created: {message}', 'invite.signed_in_as': 'You are signed in as {name}: creating this account signs you out of that one.',

    'reset.title': 'New password', 'reset.password': 'New password (at least 10 characters)',
    'reset.confirm': 'Confirm the password', 'reset.submit': 'Change the password',
    'reset.done': 'Password changed. Sign in with the new one.', 'reset.failed': 'Password not changed: {message}',
    'reset.no_token': 'This link is incomplete. Open the whole link from the e-mail, or ask for a new one.',

    'form.mismatch': 'The two passwords are not the same.',
    'form.too_short': 'The password needs at least 10 characters.',
    'form.required': 'This field is required.',
    'error.network': 'The server cannot be reached. Check your connection and try again.',
    'error.generic': '{message}',

    'op.step.set_status': 'Step status', 'op.step.note': 'Note on a step', 'op.step.comment': 'Comment on a step',
    'op.step.attach': 'Evidence for a step', 'op.message.send': 'Message', 'op.receipt.update': 'Read receipt',
    'op.profile.update': 'Profile', 'op.career.update': 'Career profile', 'op.meeting.request': 'Meeting booking',
    'op.meeting.cancel': 'Meeting cancellation', 'op.meeting.reschedule': 'Meeting move', 'op.meeting.outcome': 'Meeting outcome', 'op.plan.share': 'Sharing the plan', 'op.mentorship.respond': 'Answer to a mentorship',
    'op.availability.set': 'Availability', 'op.referral.add': 'Referral', 'op.referral.update': 'Referral', 'op.mentor.update': 'Mentor profile',
    'op.employer.update': 'Company profile', 'op.need.create': 'New need', 'op.need.close': 'Need closed',
    'op.proposal.respond': 'Answer to a proposal', 'op.internship.outcome': 'Internship outcome', 'op.consent.give': 'Sharing the profile', 'op.consent.withdraw': 'Stopping sharing the profile',
    'op.activity.register': 'Activity registration', 'op.activity.unregister': 'Activity withdrawal',

    'notify.title': 'Meeting in one hour', 'notify.body': 'With {name}, at {time}.',
  },
};

// The language to use: the one chosen on this phone, else the account's, else the browser's.
export function pickLanguage(accountLocale) {
  const stored = localStorage.getItem(kStoredLanguage);
  if (languages.includes(stored)) return stored;
  if (languages.includes(accountLocale)) return accountLocale;
  const nav = (navigator.language || 'en').slice(0, 2).toLowerCase();
  return languages.includes(nav) ? nav : 'en';
}

export function rememberLanguage(lang) { localStorage.setItem(kStoredLanguage, lang); }

function fill(text, vars) {
  return text.replace(/\{(\w+)\}/g, (whole, name) => (vars && vars[name] !== undefined ? String(vars[name]) : whole));
}

// t(key, vars) for `lang`, looking in `own` (a screen's strings) first, then the shell's. A
// missing key shows as itself, so a forgotten string is visible rather than blank.
export function makeT(lang, own = null) {
  const plural = new Intl.PluralRules(lang === 'fr' ? 'fr-CA' : 'en-CA');
  return (key, vars = {}) => {
    let value = own?.[lang]?.[key] ?? shellStrings[lang][key];
    if (value === undefined || value === null) return key;
    if (typeof value === 'object') value = value[plural.select(Number(vars.n) || 0)] ?? value.other;
    return fill(value, vars);
  };
}

export function locale(lang) { return lang === 'fr' ? 'fr-CA' : 'en-CA'; }
