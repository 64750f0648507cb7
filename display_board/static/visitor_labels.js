// Каталог сторінок відвідувача / visitor pages catalogue: Ukrainian first, English second.
export const LABELS = {
  uk: {
    bookTitle: "Попередній запис до ЦНАП", category: "Категорія", service: "Послуга", date: "Дата",
    time: "Час", phone: "Номер телефону", consent: "Надсилати мені SMS про запис і чергу (номер видаляється через 30 днів)",
    book: "Записатися", noSlots: "На цю дату вільного часу немає", booked: "Ви записані",
    smsCode: "Код з SMS, надісланий на ваш номер", confirm: "Підтвердити",
    code: "Код запису", keepCode: "Покажіть цей код або QR-код у кіоску ЦНАП за 60 хвилин до часу запису.",
    open: "Переглянути запис", cancel: "Скасувати запис", cancelled: "Запис скасовано",
    yourBooking: "Ваш запис", yourTicket: "Ваш талон", checkedIn: "Ви зареєструвалися в кіоску",
    notCheckedIn: "Зареєструйтеся в кіоску ЦНАП, коли прийдете", ahead: "Перед вами", wait: "Орієнтовне очікування",
    noDesk: "Вікна цієї послуги ще не відкриті — вас викличуть, щойно почнуть приймати",
    minutes: "хв", called: "Вас запрошують до вікна", serving: "Вас обслуговують", done: "Візит завершено. Дякуємо!",
    postponed: "Вас відкладено: чекайте повторного виклику", offline: "Немає зв’язку — оновлюємо…",
    notFound: "Запис або талон не знайдено", language: "English", choose: "— оберіть —",
    feedbackTitle: "Як вас обслужили?", good: "☺ Добре", bad: "☹ Погано", reason: "Що саме? (необов’язково)",
    comment: "Коментар (необов’язково)", feedbackNote: "Відповідь анонімна: зберігаються лише послуга та вікно.",
    thanks: "Дякуємо за відгук!", alreadyRated: "Ви вже оцінили цей візит. Дякуємо!",
    reasons: { wait: "Довге очікування", politeness: "Ввічливість", competence: "Компетентність",
               documents: "Документи", premises: "Приміщення", other: "Інше" },
  },
  en: {
    bookTitle: "Book a visit to the centre", category: "Category", service: "Service", date: "Date",
    time: "Time", phone: "Phone number", consent: "Text me about my booking and my turn (the number is deleted after 30 days)",
    book: "Book", noSlots: "No free times on this date", booked: "You are booked",
    smsCode: "The code texted to your number", confirm: "Confirm",
    code: "Booking code", keepCode: "Show this code or QR code at the centre's kiosk within 60 minutes before your time.",
    open: "View the booking", cancel: "Cancel the booking", cancelled: "The booking is cancelled",
    yourBooking: "Your booking", yourTicket: "Your ticket", checkedIn: "You have checked in at the kiosk",
    notCheckedIn: "Check in at the centre's kiosk when you arrive", ahead: "Ahead of you", wait: "Estimated wait",
    noDesk: "No desk for this service is open yet — you will be called as soon as one opens",
    minutes: "min", called: "Please go to desk", serving: "You are being served", done: "Your visit is finished. Thank you!",
    postponed: "Postponed: wait to be called again", offline: "No connection — reconnecting…",
    notFound: "No such booking or ticket", language: "Українська", choose: "— choose —",
    feedbackTitle: "How were you served?", good: "☺ Good", bad: "☹ Bad", reason: "What about? (optional)",
    comment: "Comment (optional)", feedbackNote: "Anonymous: only the service and the desk are kept.",
    thanks: "Thank you for your feedback!", alreadyRated: "You have already rated this visit. Thank you!",
    reasons: { wait: "Long wait", politeness: "Politeness", competence: "Competence",
               documents: "Documents", premises: "Premises", other: "Other" },
  },
};

export function currentLang() {
  return new URLSearchParams(location.search).get("lang") === "en" ? "en" : "uk";
}

export function switchLanguageLink(lang) {
  const params = new URLSearchParams(location.search);
  params.set("lang", lang === "uk" ? "en" : "uk");
  return `${location.pathname}?${params}`;
}
