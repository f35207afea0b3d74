// French and English strings of the dashboard. t(key, vars) looks a key up in the current
// language; the choice is remembered in localStorage.
const strings = {
  fr: {
    skip: 'Aller au contenu', language: 'Langue', logout: 'Se déconnecter',
    'nav.caseload': 'Dossiers', 'nav.indicators': 'Indicateurs', 'nav.audit': "Journal d'audit",
    'status.connecting': 'Connexion…', 'status.online': 'En ligne', 'status.syncing': 'Synchronisation…',
    'status.offline': 'Hors ligne — nouvelle tentative dans {s} s', 'status.pending': '{n} envoi(s) en attente',
    'login.title': 'Tableau de bord des coachs', 'login.email': 'Courriel', 'login.password': 'Mot de passe',
    'login.submit': 'Se connecter', 'login.failed': 'Connexion impossible : {m}', 'login.staff_only': 'Ce tableau de bord est réservé aux coachs et aux administrateurs.',
    loading: 'Chargement…',
    'caseload.title': 'Mes dossiers', 'caseload.title_admin': 'Tous les dossiers', 'caseload.filter': 'Filtrer',
    'caseload.off_track_only': 'Seulement les dossiers à risque', 'caseload.empty': 'Aucun candidat.',
    'caseload.count': '{n} candidat(s)', 'caseload.export': 'Exporter en CSV',
    'col.name': 'Candidat', 'col.country': 'Pays', 'col.local_time': 'Heure locale', 'col.arrival': 'Arrivée prévue',
    'col.plan': 'Plan', 'col.overdue': 'En retard', 'col.activity': 'Dernière activité', 'col.unread': 'Non lus',
    'col.meetings': 'Rencontres', 'col.referrals': 'Références', 'col.mentorship': 'Mentorat', 'col.flag': 'Suivi',
    'col.coach': 'Coach',
    off_track: 'À risque', on_track: 'OK', no_plan: 'aucun plan',
    'mentorship.': '—', 'mentorship.proposed': 'proposé', 'mentorship.active': 'actif', 'mentorship.declined': 'refusé',
    'mentorship.completed': 'terminé', 'mentorship.closed': 'fermé',
    'candidate.back': '← Retour aux dossiers', 'candidate.plan': "Plan d'action", 'candidate.messages': 'Messages',
    'candidate.no_plan': "Pas encore de plan d'action.", 'candidate.create_plan': 'Créer le plan à partir du modèle',
    'candidate.template': 'Modèle', 'candidate.arrival': "Date d'arrivée",
    'candidate.reply': 'Répondre', 'candidate.send': 'Envoyer', 'candidate.attach': 'Joindre un fichier',
    'candidate.no_thread': 'Pas de fil de coaching.', 'candidate.meetings': 'Rencontres de mentorat',
    'candidate.referrals': 'Références', 'candidate.none': 'Aucune.', 'candidate.comment': 'Commenter',
    'candidate.comment_label': 'Commentaire sur « {title} »', 'candidate.history': 'Historique',
    'candidate.reopen': 'Rouvrir', 'candidate.due': 'échéance {d}', 'candidate.not_found': 'Candidat introuvable dans vos dossiers.',
    'candidate.local': 'Heure locale : {t} ({z})', 'candidate.progress': '{p} % fait, {o} étape(s) en retard',
    'candidate.mentorships': 'Mentorats', 'candidate.queued': 'en attente', 'candidate.sent': 'envoyé',
    'candidate.rejected': 'Refusé par le serveur : {m}',
    'status.todo': 'à faire', 'status.in_progress': 'en cours', 'status.done': 'fait', 'status.skipped': 'sauté',
    'indicators.title': 'Indicateurs du programme', 'indicators.from': 'Du', 'indicators.to': 'Au',
    'indicators.cohort': 'Cohorte (année d’arrivée)', 'indicators.compute': 'Calculer', 'indicators.export': 'Exporter en CSV',
    'indicators.scope_program': 'Tout le programme', 'indicators.scope_caseload': 'Mes dossiers',
    'ind.candidates': 'Candidats', 'ind.coached_abroad': "Accompagnés à l'étranger", 'ind.share_two': 'Avec 2/2 rencontres',
    'ind.referrals_per': 'Références par candidat', 'ind.median_days': 'Délai médian 1er contact → 1re rencontre (jours)',
    'ind.no_show': "Taux d'absence aux rencontres", 'ind.plan_dist': 'Avancement des plans',
    'ind.employment': "Situation d'emploi après l'arrivée", 'ind.months': '{m} mois', 'ind.eligible': 'Admissibles',
    'ind.in_field': 'En emploi dans le domaine', 'ind.out_field': 'En emploi hors domaine', 'ind.studying': 'Aux études',
    'ind.searching': "En recherche", 'ind.unknown': 'Inconnu', 'ind.none': 'aucun plan',
    'audit.title': "Journal d'audit", 'audit.actor': 'Personne (id)', 'audit.action': 'Action', 'audit.target': 'Cible (id)',
    'audit.filter': 'Filtrer', 'audit.at': 'Quand', 'audit.who': 'Qui', 'audit.from_where': "D'où", 'audit.details': 'Détails',
    'audit.any': 'toutes', 'audit.more': 'Plus ancien',
    'outcome.title': "Situation d'emploi", 'outcome.status': 'Situation', 'outcome.date': 'Date', 'outcome.sector': "Secteur d'activité",
    'outcome.record': 'Enregistrer', 'outcome.employed_in_field': 'En emploi dans le domaine', 'outcome.employed_out_of_field': 'En emploi hors domaine',
    'outcome.studying': 'Aux études', 'outcome.searching': 'En recherche',
  },
  en: {
    skip: 'Skip to content', language: 'Language', logout: 'Sign out',
    'nav.caseload': 'Caseload', 'nav.indicators': 'Indicators', 'nav.audit': 'Audit log',
    'status.connecting': 'Connecting…', 'status.online': 'Online', 'status.syncing': 'Syncing…',
    'status.offline': 'Offline — retrying in {s} s', 'status.pending': '{n} change(s) waiting to be sent',
    'login.title': 'Coach dashboard', 'login.email': 'E-mail', 'login.password': 'Password',
    'login.submit': 'Sign in', 'login.failed': 'Could not sign in: {m}', 'login.staff_only': 'This dashboard is for coaches and admins.',
    loading: 'Loading…',
    'caseload.title': 'My caseload', 'caseload.title_admin': 'All candidates', 'caseload.filter': 'Filter',
    'caseload.off_track_only': 'Off track only', 'caseload.empty': 'No candidates.',
    'caseload.count': '{n} candidate(s)', 'caseload.export': 'Export CSV',
    'col.name': 'Candidate', 'col.country': 'Country', 'col.local_time': 'Local time', 'col.arrival': 'Planned arrival',
    'col.plan': 'Plan', 'col.overdue': 'Overdue', 'col.activity': 'Last activity', 'col.unread': 'Unread',
    'col.meetings': 'Meetings', 'col.referrals': 'Referrals', 'col.mentorship': 'Mentorship', 'col.flag': 'Status',
    'col.coach': 'Coach',
    off_track: 'Off track', on_track: 'OK', no_plan: 'no plan',
    'mentorship.': '—', 'mentorship.proposed': 'proposed', 'mentorship.active': 'active', 'mentorship.declined': 'declined',
    'mentorship.completed': 'completed', 'mentorship.closed': 'closed',
    'candidate.back': '← Back to caseload', 'candidate.plan': 'Action plan', 'candidate.messages': 'Messages',
    'candidate.no_plan': 'No action plan yet.', 'candidate.create_plan': 'Create the plan from the template',
    'candidate.template': 'Template', 'candidate.arrival': 'Arrival date',
    'candidate.reply': 'Reply', 'candidate.send': 'Send', 'candidate.attach': 'Attach a file',
    'candidate.no_thread': 'No coaching thread.', 'candidate.meetings': 'Mentor meetings',
    'candidate.referrals': 'Referrals', 'candidate.none': 'None.', 'candidate.comment': 'Comment',
    'candidate.comment_label': 'Comment on “{title}”', 'candidate.history': 'History',
    'candidate.reopen': 'Reopen', 'candidate.due': 'due {d}', 'candidate.not_found': 'No such candidate in your caseload.',
    'candidate.local': 'Local time: {t} ({z})', 'candidate.progress': '{p}% done, {o} step(s) overdue',
    'candidate.mentorships': 'Mentorships', 'candidate.queued': 'queued', 'candidate.sent': 'sent',
    'candidate.rejected': 'Refused by the server: {m}',
    'status.todo': 'to do', 'status.in_progress': 'in progress', 'status.done': 'done', 'status.skipped': 'skipped',
    'indicators.title': 'Program indicators', 'indicators.from': 'From', 'indicators.to': 'To',
    'indicators.cohort': 'Cohort (arrival year)', 'indicators.compute': 'Compute', 'indicators.export': 'Export CSV',
    'indicators.scope_program': 'Whole program', 'indicators.scope_caseload': 'My caseload',
    'ind.candidates': 'Candidates', 'ind.coached_abroad': 'Coached abroad', 'ind.share_two': 'With 2/2 meetings',
    'ind.referrals_per': 'Referrals per candidate', 'ind.median_days': 'Median first contact → first meeting (days)',
    'ind.no_show': 'Meeting no-show rate', 'ind.plan_dist': 'Plan completion',
    'ind.employment': 'Employment after arrival', 'ind.months': '{m} months', 'ind.eligible': 'Eligible',
    'ind.in_field': 'Employed in field', 'ind.out_field': 'Employed out of field', 'ind.studying': 'Studying',
    'ind.searching': 'Searching', 'ind.unknown': 'Unknown', 'ind.none': 'no plan',
    'audit.title': 'Audit log', 'audit.actor': 'Person (id)', 'audit.action': 'Action', 'audit.target': 'Target (id)',
    'audit.filter': 'Filter', 'audit.at': 'When', 'audit.who': 'Who', 'audit.from_where': 'From', 'audit.details': 'Details',
    'audit.any': 'any', 'audit.more': 'Older',
    'outcome.title': 'Employment outcome', 'outcome.status': 'Situation', 'outcome.date': 'Date', 'outcome.sector': 'Sector',
    'outcome.record': 'Record', 'outcome.employed_in_field': 'Employed in field', 'outcome.employed_out_of_field': 'Employed out of field',
    'outcome.studying': 'Studying', 'outcome.searching': 'Searching',
  },
};

const KEY = 'passerelle.lang';
let lang = localStorage.getItem(KEY) || ((navigator.language || 'fr').startsWith('en') ? 'en' : 'fr');

export function language() { return lang; }
export function hasChosenLanguage() { return localStorage.getItem(KEY) !== null; }
export function setLanguage(l) {
  lang = l === 'en' ? 'en' : 'fr';
  localStorage.setItem(KEY, lang);
  document.documentElement.lang = lang;
}
export function t(key, vars = {}) {
  let s = strings[lang][key] ?? strings.fr[key] ?? key;
  for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`{${k}}`, String(v));
  return s;
}
// Static texts of index.html.
export function translateStatic(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
}
