import type { Catalogue } from './types.ts';

export default {
  en: {
    'successful attempts_one': 'successful attempt',
    'successful attempts_other': 'successful attempts',
    'failed attempts_one': 'failed attempt',
    'failed attempts_other': 'failed attempts',
    'messages sent_one': 'message sent',
    'messages sent_other': 'messages sent',
    'The last {{count}} days, in {{timeZone}}._one': 'The last {{count}} day, in {{timeZone}}.',
    'The last {{count}} days, in {{timeZone}}._other': 'The last {{count}} days, in {{timeZone}}.',
    'The {{count}} mailings with the most attempts, of {{total}}._one':
      'The {{count}} mailing with the most attempts, of {{total}}.',
    'The {{count}} mailings with the most attempts, of {{total}}._other':
      'The {{count}} mailings with the most attempts, of {{total}}.',
  },
  ru: {
    // The page
    Statistics: 'Статистика',
    'A successful attempt is one the SMTP server accepted; a failed attempt one it refused or that could not reach it (a retry is another attempt). Messages sent counts recipients e-mailed: once per run, however many attempts it took. Days are counted in {{timeZone}}.':
      'Успешная попытка — та, которую SMTP-сервер принял; неудачная — та, которую он отклонил или которая не смогла до него дойти (повтор — это ещё одна попытка). «Отправлено сообщений» считает получателей, которым ушло письмо: один раз за запуск, сколько бы попыток это ни заняло. Дни считаются в часовом поясе {{timeZone}}.',
    'Every attempt': 'Все попытки',
    'Your mailings': 'Ваши рассылки',
    'Everyone’s mailings': 'Рассылки всех пользователей',
    'successful attempts_one': 'успешная попытка',
    'successful attempts_few': 'успешные попытки',
    'successful attempts_many': 'успешных попыток',
    'successful attempts_other': 'успешной попытки',
    'failed attempts_one': 'неудачная попытка',
    'failed attempts_few': 'неудачные попытки',
    'failed attempts_many': 'неудачных попыток',
    'failed attempts_other': 'неудачной попытки',
    'messages sent_one': 'сообщение отправлено',
    'messages sent_few': 'сообщения отправлено',
    'messages sent_many': 'сообщений отправлено',
    'messages sent_other': 'сообщения отправлено',

    // Charts and tables
    'Attempts per day': 'Попытки по дням',
    'Successful and failed attempts per day; the table below has the figures':
      'Успешные и неудачные попытки по дням; цифры — в таблице ниже',
    'The figures per day': 'Цифры по дням',
    'The last {{count}} days, in {{timeZone}}._one': 'Последний {{count}} день, часовой пояс {{timeZone}}.',
    'The last {{count}} days, in {{timeZone}}._few': 'Последние {{count}} дня, часовой пояс {{timeZone}}.',
    'The last {{count}} days, in {{timeZone}}._many': 'Последние {{count}} дней, часовой пояс {{timeZone}}.',
    'The last {{count}} days, in {{timeZone}}._other': 'Последние {{count}} дня, часовой пояс {{timeZone}}.',
    Day: 'День',
    'Successful attempts': 'Успешные попытки',
    'Failed attempts': 'Неудачные попытки',
    'Messages sent': 'Отправлено сообщений',
    'No mailings yet.': 'Рассылок пока нет.',
    'Per mailing': 'По рассылкам',
    'Successful and failed attempts per mailing; the table below has the figures':
      'Успешные и неудачные попытки по рассылкам; цифры — в таблице ниже',
    'The {{count}} mailings with the most attempts, of {{total}}._one':
      '{{count}} рассылка с наибольшим числом попыток из {{total}}.',
    'The {{count}} mailings with the most attempts, of {{total}}._few':
      '{{count}} рассылки с наибольшим числом попыток из {{total}}.',
    'The {{count}} mailings with the most attempts, of {{total}}._many':
      '{{count}} рассылок с наибольшим числом попыток из {{total}}.',
    'The {{count}} mailings with the most attempts, of {{total}}._other':
      '{{count}} рассылки с наибольшим числом попыток из {{total}}.',
    'All {{count}} mailings.': 'Всего рассылок: {{count}}.',
    Mailing: 'Рассылка',
    Owner: 'Владелец',
    'Every user': 'Все пользователи',
    'E-mail': 'Эл. почта',
    Name: 'Имя',
    Role: 'Роль',
    '{{role}} (blocked)': '{{role}} (заблокирован)',

    // Refusals
    'Only managers and admins see everyone’s statistics.':
      'Статистику всех пользователей видят только менеджеры и администраторы.',
    'Mailing id must be a number.': 'Номер рассылки должен быть числом.',
    'Mailing id must be a positive number.': 'Номер рассылки должен быть положительным числом.',
    'Mailing id is too large.': 'Номер рассылки слишком велик.',
    'Run id must be a number.': 'Номер запуска должен быть числом.',
    'Run id must be a positive number.': 'Номер запуска должен быть положительным числом.',
    'Run id is too large.': 'Номер запуска слишком велик.',
    'Status must be success or failure.': 'Статус должен быть success или failure.',
    'From must be a date as YYYY-MM-DD.': 'Дата «с» должна быть в виде ГГГГ-ММ-ДД.',
    'From is not a real date.': 'Дата «с» не существует.',
    'To must be a date as YYYY-MM-DD.': 'Дата «по» должна быть в виде ГГГГ-ММ-ДД.',
    'To is not a real date.': 'Дата «по» не существует.',
    'From must not be after To.': 'Дата «с» не может быть позже даты «по».',
  },
} satisfies Catalogue;
