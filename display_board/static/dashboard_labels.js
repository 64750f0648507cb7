// Каталог панелі керівника / supervisor's dashboard catalogue: Ukrainian first, English second (picked by
// labels.js). Feedback reasons and accessible-use outcomes are named by the server (GET /api/hall).
import { pick } from "./labels.js";

export const LABELS = {
  uk: {
    title: "Панель керівника залу", login: "Логін", password: "Пароль", signIn: "Увійти", history: "Звіти",
    live: "Зал зараз", sla: "У нормативі сьогодні", alerts: "Потребує уваги", noAlerts: "Усе гаразд",
    desks: "Вікна", queues: "Черги", service: "Послуга", waiting: "Чекають", longest: "Найдовше",
    estimate: "Прогноз", close: "Закрити на сьогодні", reopen: "Відкрити", paused: "Зал призупинено (тривога)",
    pause: "Повітряна тривога: призупинити зал", resume: "Відбій: відновити роботу", announcement: "Рядок на табло",
    setAnnouncement: "Показати на табло", message: "Повідомлення вікну", messageText: "Текст повідомлення", announcementUk: "Рядок на табло українською", announcementEn: "Рядок на табло англійською", priorityLevel: "Новий рівень пріоритету (0–9)", weights: "Послуги та їхня вага", allDesks: "Усім вікнам", send: "Надіслати",
    priority: "Пріоритет талона", ticket: "Талон", level: "Рівень", apply: "Застосувати",
    deskServices: "Послуги вікна на сьогодні", offline: "Немає зв’язку — оновлюємо…",
    idle: "вільне", calling: "запрошує", serving: "обслуговує", paused_desk: "перерва", closed: "закрите",
    noConsole: "пульт не на зв’язку", min: "хв", noDesk: "вікна не відкриті",
    dispatchTitle: "Порядок виклику (діє до кінця дня)",
    levelHeadStart: "Фора за рівень ваги послуги у вікні, хв", priorityHeadStart: "Фора за рівень пільги, хв",
    bookedHeadStart: "Фора відвідувачеві за записом, коли настав його час, хв",
    cap: "Після стількох хвилин очікування відвідувача бере будь-яке вікно, що надає цю послугу (0 — вимкнено)",
    strictTiers: "Суворі рівні: спершу вся черга найвищої ваги", saved: "Збережено",
    alert_wait_over_target: "Очікування понад норматив: {service} ({longest} хв)",
    alert_desk_idle: "Вікно {desk} вільне, хоча на нього чекають: {waiting}",
    alert_desk_offline: "Вікно {desk}: пульт не на зв’язку",
    alert_kiosk_offline: "Кіоск {kiosk} мовчить {minutes} хв",
    alert_help_call: "Кіоск {kiosk}: відвідувач кличе адміністратора (з {time}{accessibleNote})",
    helpAccessible: ", доступний режим", helpAcknowledge: "Іду",
    alert_printer: "Кіоск {kiosk}: принтер — {problem}",
    cityShipped: "Місто: журнал передано повністю",
    cityConfigNone: "Конфігурація міста: ще не отримано (діє власна конфігурація центру)",
    cityConfigVersion: "Конфігурація міста: діє версія {version}",
    cityConfigRefused: "Конфігурацію міста версії {version} не застосовано (діє версія {running}): {reason}",
    cityBehind: { one: "Місто ще не отримало {count} подію (найстарішу {minutes} хв тому)",
      few: "Місто ще не отримало {count} події (найстарішу {minutes} хв тому)",
      many: "Місто ще не отримало {count} подій (найстарішу {minutes} хв тому)",
      other: "Місто ще не отримало {count} події (найстарішу {minutes} хв тому)" },
    alert_clock_jump: "Годинник сервера переведено назад на {behind_minutes} хв: час подій утримано, доки годинник не наздожене (перевірте NTP)",
    alert_disk_low: "Сервер: на диску вільно лише {free_mb} МБ ({path})",
    alert_disk_missing: "Сервер: немає теки даних {path}",
    alert_clock_unsynced: "Годинник сервера не синхронізовано з NTP: час талонів може відставати",
    alert_clock_unknown: "Невідомо, чи синхронізовано годинник сервера (перевірте NTP)",
    alert_timezone_mismatch: "Часовий пояс сервера {machine}, а залу — {hall}",
    alert_timezone_unknown: "Часовий пояс сервера невідомий (зал: {hall})",
    printerProblems: { printer_paper_out: "закінчився папір", printer_cover_open: "відкрита кришка",
                       printer_offline: "не відповідає", printer_failed: "помилка друку",
                       printer_paper_near_end: "папір закінчується" },
    from: "З", to: "По", show: "Показати", exportCsv: "Експорт CSV", exportXlsx: "Експорт XLSX",
    visits: "Візитів", served: "Обслуговано", noShows: "Не з’явилися", transferred: "Перенаправлено",
    withinSla: "У нормативі", positive: "Позитивних відгуків", complaints: "Скарг на 1000 візитів",
    accessibleSessions: "Сеансів у доступному режимі", heatmap: "Навантаження: прибуття за днем і годиною",
    waitsByService: "Очікування за послугами, хв (середнє, 90%)", byOperator: "Час обслуговування за адміністраторами, хв",
    comments: "Відгуки відвідувачів", commentsShown: "Показано {shown} з {total}", moreComments: "Показати ще",
    accessible: "Використання доступного терміналу", average: "середнє",
    p90: "90-й перцентиль", max: "максимум", count: "кількість",
    chartSummary: "стовпчикова діаграма; ті самі числа — у таблиці під нею", chartTable: "Числа таблицею",
    weekdays: ["пн", "вт", "ср", "чт", "пт", "сб", "нд"],
    scrollHint: "Гортайте таблицю вбік — далі пізніші години →", noData: "За цей період даних немає",
    admin: "Адміністрування", cancel: "Скасувати", applied: "Застосовано", appliedToday: "Застосовано до кінця дня",
    shown: "Показано на табло", cleared: "Рядок прибрано з табло", sentTo: "Надіслано вікну {desk}", deskNumber: "Вікно {desk}",
    sentAll: "Надіслано всім вікнам",
    confirmPauseTitle: "Призупинити весь зал?",
    confirmPauseBody: "Кіоски перестануть видавати талони, вікна не кликатимуть відвідувачів, табло покаже тривогу. Черга збережеться в тому ж порядку до відбою.",
    confirmPause: "Так, призупинити зал",
    confirmCloseTitle: "Закрити «{service}» на сьогодні?",
    confirmCloseBody: "Кіоски перестануть видавати нові талони на цю послугу до кінця дня (або доки ви її не відкриєте).",
    confirmCloseWaiting: { one: "{count} відвідувач, який уже чекає, залишиться в черзі й буде обслужений.",
                           few: "{count} відвідувачі, які вже чекають, залишаться в черзі й будуть обслужені.",
                           many: "{count} відвідувачів, які вже чекають, залишаться в черзі й будуть обслужені.",
                           other: "{count} відвідувача, які вже чекають, залишаться в черзі й будуть обслужені." },
  },
  en: {
    title: "Hall supervisor's dashboard", login: "Login", password: "Password", signIn: "Sign in", history: "Reports",
    live: "The hall now", sla: "Within target today", alerts: "Needs attention", noAlerts: "All is well",
    desks: "Desks", queues: "Queues", service: "Service", waiting: "Waiting", longest: "Longest",
    estimate: "Estimate", close: "Close for today", reopen: "Reopen", paused: "The hall is paused (alert)",
    pause: "Air-raid alert: pause the hall", resume: "All-clear: resume", announcement: "Board's running line",
    setAnnouncement: "Show on the board", message: "Message to a desk", messageText: "Message text", announcementUk: "Running line in Ukrainian", announcementEn: "Running line in English", priorityLevel: "New priority level (0–9)", weights: "Services and their weights", allDesks: "All desks", send: "Send",
    priority: "Ticket priority", ticket: "Ticket", level: "Level", apply: "Apply",
    deskServices: "A desk's services for today", offline: "No connection — reconnecting…",
    idle: "idle", calling: "calling", serving: "serving", paused_desk: "break", closed: "closed",
    noConsole: "console offline", min: "min", noDesk: "no desk open",
    dispatchTitle: "Calling order (for the rest of the day)",
    levelHeadStart: "Head start per level of the desk's weight, min", priorityHeadStart: "Head start per priority level, min",
    bookedHeadStart: "Head start for a booked visitor whose time has come, min",
    cap: "After this many minutes any desk that offers the service takes the visitor (0 = off)",
    strictTiers: "Strict tiers: the highest weight's whole queue first", saved: "Saved",
    alert_wait_over_target: "Wait over target: {service} ({longest} min)",
    alert_desk_idle: "Desk {desk} is idle, while waiting for it: {waiting}",
    alert_desk_offline: "Desk {desk}: console offline",
    alert_kiosk_offline: "Kiosk {kiosk} silent for {minutes} min",
    cityShipped: "City: the log is fully shipped",
    cityConfigNone: "City configuration: none received yet (the centre's own configuration runs)",
    cityConfigVersion: "City configuration: version {version} runs",
    cityConfigRefused: "City configuration version {version} was not applied (version {running} runs): {reason}",
    cityBehind: { one: "City: {count} event not shipped yet (the oldest {minutes} min ago)",
      other: "City: {count} events not shipped yet (the oldest {minutes} min ago)" },
    alert_help_call: "Kiosk {kiosk}: a visitor is calling an administrator (since {time}{accessibleNote})",
    helpAccessible: ", accessible mode", helpAcknowledge: "On my way",
    alert_clock_jump: "The server clock was set back {behind_minutes} min: event times are held until it catches up (check NTP)",
    alert_disk_low: "Server: only {free_mb} MB free on disk ({path})",
    alert_disk_missing: "Server: no data directory {path}",
    alert_clock_unsynced: "The server clock is not synchronised with NTP: ticket times may drift",
    alert_clock_unknown: "Cannot tell whether the server clock is synchronised (check NTP)",
    alert_timezone_mismatch: "The server's time zone is {machine}, the hall's {hall}",
    alert_timezone_unknown: "The server's time zone is unknown (hall: {hall})",
    alert_printer: "Kiosk {kiosk}: printer — {problem}",
    printerProblems: { printer_paper_out: "out of paper", printer_cover_open: "cover open",
                       printer_offline: "not responding", printer_failed: "print error",
                       printer_paper_near_end: "paper running low" },
    from: "From", to: "To", show: "Show", exportCsv: "Export CSV", exportXlsx: "Export XLSX",
    visits: "Visits", served: "Served", noShows: "No-shows", transferred: "Transferred",
    withinSla: "Within target", positive: "Positive feedback", complaints: "Complaints per 1,000 visits",
    accessibleSessions: "Accessible mode sessions", heatmap: "Load: arrivals by weekday and hour",
    waitsByService: "Waits by service, min (average, 90th percentile)", byOperator: "Service time by administrator, min",
    comments: "Visitors' feedback", commentsShown: "Showing {shown} of {total}", moreComments: "Show more",
    accessible: "Accessible terminal use", average: "average",
    p90: "90th percentile", max: "maximum", count: "count",
    chartSummary: "bar chart; the same figures are in the table under it", chartTable: "The figures as a table",
    weekdays: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    scrollHint: "Scroll the table sideways for later hours →", noData: "No data for this period",
    admin: "Administration", cancel: "Cancel", applied: "Applied", appliedToday: "Applied for the rest of the day",
    shown: "Shown on the board", cleared: "Running line removed from the board", sentTo: "Sent to desk {desk}", deskNumber: "Desk {desk}",
    sentAll: "Sent to all desks",
    confirmPauseTitle: "Pause the whole hall?",
    confirmPauseBody: "Kiosks stop issuing tickets, desks stop calling visitors, the boards show the alert. The queue keeps its order until the all-clear.",
    confirmPause: "Yes, pause the hall",
    confirmCloseTitle: "Close “{service}” for today?",
    confirmCloseBody: "Kiosks stop issuing new tickets for this service for the rest of the day (or until you reopen it).",
    confirmCloseWaiting: { one: "{count} visitor already waiting stays in the queue and will be served.",
                           other: "{count} visitors already waiting stay in the queue and will be served." },
  },
};

// The supervisor signs in once per browser tab; the session token (never the password) is kept.
export async function session(lang, onReady) {
  const saved = sessionStorage.getItem("cherha-token");
  if (saved) return onReady(saved);
  const t = pick(LABELS, lang);
  const form = document.getElementById("login");
  form.hidden = false;
  for (const name of ["login", "password"]) {
    const input = form.querySelector(`[name=${name}]`);
    input.placeholder = t[name];
    input.setAttribute("aria-label", t[name]);  // a placeholder alone is no label for a screen reader
  }
  form.querySelector("button").textContent = t.signIn;
  form.onsubmit = async (submit) => {
    submit.preventDefault();
    const response = await fetch("/api/sessions", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ login: form.login.value, password: form.password.value }) });
    const answer = await response.json();
    if (!response.ok) { form.querySelector(".error").textContent = answer.error.message[lang]; return; }
    sessionStorage.setItem("cherha-token", answer.token);
    form.hidden = true;
    onReady(answer.token);
  };
  return null;
}
