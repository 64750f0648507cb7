// Каталог редактора плану вікна / the desk-plan editor's catalogue (plan_editor.js), Ukrainian first.
export const PLAN_LABELS = {
  uk: {
    planServes: "Послуги вікна та їх вага", planEmpty: "Вікно ще не надає жодної послуги: додайте послугу нижче.",
    planWeight: "вага", planRemove: "Прибрати «{name}»", planAdd: "Додати послугу",
    planSearch: "Пошук за назвою або префіксом", planNoMatch: "Нічого не знайдено",
    planAdded: "уже у вікні", planHint: "Вага 0 — лише коли інших відвідувачів немає; більша вага — вікно кличе їх першими.",
    planCount: { one: "{count} послуга", few: "{count} послуги", many: "{count} послуг", other: "{count} послуги" },
  },
  en: {
    planServes: "The desk's services and their weight", planEmpty: "The desk serves nothing yet: add a service below.",
    planWeight: "weight", planRemove: "Remove “{name}”", planAdd: "Add a service",
    planSearch: "Search by name or prefix", planNoMatch: "Nothing found",
    planAdded: "already at the desk", planHint: "Weight 0: only when nobody else waits; a higher weight is called first.",
    planCount: { one: "{count} service", other: "{count} services" },
  },
};
