import type { Catalogue } from './types.ts';

export default {
  en: {
    'of {{count}} deliveries done_one': 'of {{count, number}} delivery done',
    'of {{count}} deliveries done_other': 'of {{count, number}} deliveries done',
    '{{count}} deliveries were being sent when a worker stopped: the server may or may not have taken them, so they are not sent again._one':
      '{{count, number}} delivery was being sent when a worker stopped: the server may or may not have taken it, so it is not sent again.',
    '{{count}} deliveries were being sent when a worker stopped: the server may or may not have taken them, so they are not sent again._other':
      '{{count, number}} deliveries were being sent when a worker stopped: the server may or may not have taken them, so they are not sent again.',
    '{{count}} attempts_one': '{{count, number}} attempt',
    '{{count}} attempts_other': '{{count, number}} attempts',
  },
  ru: {
    // Send now
    'Send now': 'Отправить сейчас',
    'Sending has started.': 'Отправка началась.',
    'The mailing is completed; duplicate it to send again.': 'Рассылка завершена; чтобы отправить её снова, создайте копию.',
    'A manager disabled this mailing: {{reason}}': 'Менеджер отключил эту рассылку: {{reason}}',
    'A manager disabled this mailing.': 'Менеджер отключил эту рассылку.',
    'The mailing is paused; resume it first.': 'Рассылка приостановлена; сначала возобновите её.',
    'The owner of this mailing is blocked.': 'Владелец этой рассылки заблокирован.',
    'The mailing has no recipients.': 'У рассылки нет получателей.',
    'A run of this mailing is still sending: {{path}}': 'Запуск этой рассылки ещё отправляется: {{path}}',

    // Runs of a mailing
    'No runs yet.': 'Запусков пока нет.',
    Run: 'Запуск',
    Started: 'Начат',
    By: 'Источник',
    State: 'Состояние',
    Sent: 'Отправлено',
    Failed: 'Не доставлено',
    Unknown: 'Неизвестно',
    Total: 'Всего',
    Schedule: 'Расписание',
    Sending: 'Отправляется',
    Finished: 'Завершён',
    'Skipped (too old to catch up)': 'Пропущен (слишком поздно, чтобы наверстать)',
    Cancelled: 'Отменён',

    // One run and its live progress
    'Run #{{id}}': 'Запуск №{{id}}',
    'Started {{when}} by {{trigger}}': 'Начат {{when}}, источник: {{trigger}}',
    'for the occurrence of {{when}}': '(срабатывание расписания на {{when}})',
    'finished {{when}}': 'завершён {{when}}',
    'of {{count}} deliveries done_one': 'из {{count, number}} доставки выполнено',
    'of {{count}} deliveries done_few': 'из {{count, number}} доставок выполнено',
    'of {{count}} deliveries done_many': 'из {{count, number}} доставок выполнено',
    'of {{count}} deliveries done_other': 'из {{count, number}} доставки выполнено',
    sent: 'отправлено',
    failed: 'не доставлено',
    remaining: 'осталось',
    suppressed: 'в стоп-листе',
    unknown: 'неизвестно',
    queued: 'в очереди',
    sending: 'отправляется',
    'e-mails a second': 'писем в секунду',
    '{{s}} s': '{{s}} с',
    '{{m}} min {{s}} s': '{{m}} мин {{s}} с',
    '{{h}} h {{m}} min': '{{h}} ч {{m}} мин',
    '; about {{duration}} to go': '; осталось около {{duration}}',
    'The figures follow the run as it sends.': 'Цифры обновляются по ходу отправки.',
    Refresh: 'Обновите страницу',
    "to see the deliveries' latest replies.": 'и увидите последние ответы по доставкам.',
    'Live figures stopped. Reload the page to see the latest.':
      'Цифры больше не обновляются. Перезагрузите страницу, чтобы увидеть последние данные.',
    "{{state}}. Reload the page to see each delivery's last reply.":
      '{{state}}. Перезагрузите страницу, чтобы увидеть последний ответ по каждой доставке.',
    'Too many live progress pages are open; close some and reload this one.':
      'Открыто слишком много страниц с ходом отправки; закройте некоторые и перезагрузите эту.',
    '{{count}} deliveries were being sent when a worker stopped: the server may or may not have taken them, so they are not sent again._one':
      '{{count, number}} доставка отправлялась, когда обработчик остановился: сервер мог её принять, а мог и нет, поэтому повторно она не отправляется.',
    '{{count}} deliveries were being sent when a worker stopped: the server may or may not have taken them, so they are not sent again._few':
      '{{count, number}} доставки отправлялись, когда обработчик остановился: сервер мог их принять, а мог и нет, поэтому повторно они не отправляются.',
    '{{count}} deliveries were being sent when a worker stopped: the server may or may not have taken them, so they are not sent again._many':
      '{{count, number}} доставок отправлялись, когда обработчик остановился: сервер мог их принять, а мог и нет, поэтому повторно они не отправляются.',
    '{{count}} deliveries were being sent when a worker stopped: the server may or may not have taken them, so they are not sent again._other':
      '{{count, number}} доставки отправлялись, когда обработчик остановился: сервер мог их принять, а мог и нет, поэтому повторно они не отправляются.',
    Deliveries: 'Доставки',
    'Filter deliveries': 'Фильтр доставок',
    all: 'все',
    Recipient: 'Получатель',
    Attempts: 'Попытки',
    'Last reply': 'Последний ответ',

    // Attempts
    'Mailing id': 'ID рассылки',
    'Run id': 'ID запуска',
    Result: 'Результат',
    any: 'любой',
    success: 'успех',
    failure: 'ошибка',
    Since: 'С',
    Until: 'По',
    Filter: 'Показать',
    '{{count}} attempts_one': '{{count, number}} попытка',
    '{{count}} attempts_few': '{{count, number}} попытки',
    '{{count}} attempts_many': '{{count, number}} попыток',
    '{{count}} attempts_other': '{{count, number}} попытки',
    'Export CSV': 'Экспорт в CSV',
    When: 'Когда',
    Mailing: 'Рассылка',
    Reply: 'Ответ',
    Time: 'Время',
    Owner: 'Владелец',
    '{{ms}} ms': '{{ms}} мс',

    // Unsubscribing
    Unsubscribe: 'Отписаться',
    'is unsubscribed: it gets no more mailings from this sender.':
      'отписан: рассылки этого отправителя больше не будут приходить на этот адрес.',
    'Stop mailings from this sender to': 'Больше не присылать рассылки этого отправителя на адрес',
  },
} satisfies Catalogue;
