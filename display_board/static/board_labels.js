// Каталог підписів табло / board label catalogue: Ukrainian first, English second (picked by labels.js).
export const LABELS = {
  uk: {
    nowCalling: "Запрошуємо", ticket: "Талон", desk: "Вікно", waiting: "Очікують у черзі",
    offline: "Немає зв’язку з сервером", pauseTitle: "Повітряна тривога",
    pauseText: "Прямуйте до укриття. Черга збережена і продовжиться після відбою.",
    free: "Вільно", break: "Перерва", closed: "Не працює", serving: "Обслуговується", calling: "Запрошується",
    noCalls: "Зачекайте, будь ласка, на виклик", queueEmpty: "Черги немає",
    moreCalls: { one: "і ще {count} виклик", few: "і ще {count} виклики", many: "і ще {count} викликів", other: "і ще {count} виклику" },
    zone: "Зона {zone}",
    noToken: "Табло не підключене", noTokenText: "Цьому табло потрібен токен пристрою. Адміністратор видає його на сервері, а табло відкривають за адресою з ним.",
    weekdays: ["неділя", "понеділок", "вівторок", "середа", "четвер", "п’ятниця", "субота"],
    months: ["січня", "лютого", "березня", "квітня", "травня", "червня", "липня", "серпня", "вересня", "жовтня", "листопада", "грудня"],
  },
  en: {
    nowCalling: "Now calling", ticket: "Ticket", desk: "Desk", waiting: "Waiting",
    offline: "No connection to the server", pauseTitle: "Air-raid alert",
    pauseText: "Please go to the shelter. The queue is kept and resumes after the all-clear.",
    free: "Free", break: "Break", closed: "Closed", serving: "Serving", calling: "Calling",
    noCalls: "Please wait for your number to be called", queueEmpty: "No one is waiting",
    moreCalls: { one: "and {count} more call", other: "and {count} more calls" },
    zone: "Zone {zone}",
    noToken: "This board is not connected", noTokenText: "It needs a device token: the administrator issues one on the server, and the board is opened at an address that carries it.",
  },
};
