import type { Catalogue } from './types.ts';

/** The command line: results, summaries, errors, the progress bar and commander's help texts. */
export default {
  en: {
    '{{count}} rows imported_one': '{{count}} row imported',
    '{{count}} rows imported_other': '{{count}} rows imported',
    '{{count}} duplicate rows skipped_one': '{{count}} duplicate row skipped',
    '{{count}} duplicate rows skipped_other': '{{count}} duplicate rows skipped',
    '{{count}} rows skipped as invalid_one': '{{count}} row skipped as invalid',
    '{{count}} rows skipped as invalid_other': '{{count}} rows skipped as invalid',
    '{{count}} rows read for {{owner}}_one': '{{count}} row read for {{owner}}',
    '{{count}} rows read for {{owner}}_other': '{{count}} rows read for {{owner}}',
    '… and {{count}} more invalid rows._one': '… and {{count}} more invalid row.',
    '… and {{count}} more invalid rows._other': '… and {{count}} more invalid rows.',
    '{{count}} recipients, 2 messages, 3 mailings_one': '{{count}} recipient, 2 messages, 3 mailings',
    '{{count}} recipients, 2 messages, 3 mailings_other': '{{count}} recipients, 2 messages, 3 mailings',
    '{{count}} runs started and sent_one': '{{count}} run started and sent',
    '{{count}} runs started and sent_other': '{{count}} runs started and sent',
    '{{count}} occurrences skipped as too old_one': '{{count}} occurrence skipped as too old',
    '{{count}} occurrences skipped as too old_other': '{{count}} occurrences skipped as too old',
    '{{count}} attempts of {{owner}} written to {{file}}._one': '{{count}} attempt of {{owner}} written to {{file}}.',
    '{{count}} attempts of {{owner}} written to {{file}}._other': '{{count}} attempts of {{owner}} written to {{file}}.',
    '{{count}} attempts written to {{file}}._one': '{{count}} attempt written to {{file}}.',
    '{{count}} attempts written to {{file}}._other': '{{count}} attempts written to {{file}}.',
    'Attempts per day, last {{count}} days ({{timeZone}}): successful / failed_one':
      'Attempts per day, last {{count}} day ({{timeZone}}): successful / failed',
    'Attempts per day, last {{count}} days ({{timeZone}}): successful / failed_other':
      'Attempts per day, last {{count}} days ({{timeZone}}): successful / failed',
    '{{count}} migrations applied to bring the backup up to this Herald’s schema._one':
      '{{count}} migration applied to bring the backup up to this Herald’s schema.',
    '{{count}} migrations applied to bring the backup up to this Herald’s schema._other':
      '{{count}} migrations applied to bring the backup up to this Herald’s schema.',
  },
  ru: {
    // commander's own errors (src/cli/commander-messages.ts)
    "error: unknown command '{{name}}'": 'ошибка: неизвестная команда «{{name}}»',
    "error: unknown option '{{flag}}'": 'ошибка: неизвестный параметр «{{flag}}»',
    "error: required option '{{flags}}' not specified": 'ошибка: не указан обязательный параметр «{{flags}}»',
    "error: missing required argument '{{name}}'": 'ошибка: не указан обязательный аргумент «{{name}}»',
    "error: option '{{flags}}' argument missing": 'ошибка: не указано значение параметра «{{flags}}»',
    "error: option '{{flags}}' argument '{{value}}' is invalid.":
      'ошибка: недопустимое значение «{{value}}» параметра «{{flags}}».',
    "error: command-argument value '{{value}}' is invalid for argument '{{name}}'.":
      'ошибка: недопустимое значение «{{value}}» аргумента «{{name}}».',
    'error: too many arguments: expected {{expected}}, got {{received}}: {{given}}.':
      'ошибка: слишком много аргументов: ожидалось {{expected}}, получено {{received}}: {{given}}.',
    'Allowed choices are {{choices}}.': 'Допустимые значения: {{choices}}.',
    '(Did you mean one of {{names}}?)': '(Возможно, вы имели в виду одно из: {{names}}?)',
    '(Did you mean {{name}}?)': '(Возможно, вы имели в виду {{name}}?)',

    // help texts
    'Herald: self-hosted e-mail mailings': 'Herald: рассылки писем с собственного сервера',
    'display help for command': 'показать справку по команде',
    'run the web app and the background workers in one process':
      'запустить веб-приложение и фоновые обработчики в одном процессе',
    'run the web app only, no scheduler or sender (PostgreSQL only; pair it with `herald worker`)':
      'запустить только веб-приложение, без планировщика и отправки (только PostgreSQL; используйте вместе с `herald worker`)',
    'apply pending database migrations': 'применить ожидающие миграции базы данных',
    'create an admin account (confirmed, no e-mail needed)':
      'создать учётную запись администратора (сразу подтверждённую, без письма)',
    'the admin’s e-mail address': 'адрес электронной почты администратора',
    'the admin’s password (at least 10 characters)': 'пароль администратора (не менее 10 символов)',
    'the admin’s full name': 'полное имя администратора',
    'give a user another role': 'сменить роль пользователя',
    'the user’s e-mail address': 'адрес электронной почты пользователя',
    'one of: {{roles}}': 'одна из: {{roles}}',
    'why, for the audit log': 'причина, для журнала аудита',
    'import recipients from a CSV file (header: email, name, comment) into a user’s list':
      'импортировать получателей из CSV-файла (заголовок: email, name, comment) в список пользователя',
    'the CSV file': 'CSV-файл',
    'the user who will own the recipients': 'пользователь, которому будут принадлежать получатели',
    'add demo accounts, recipients, messages and mailings (refuses a database with data unless forced)':
      'добавить демонстрационные учётные записи, получателей, сообщения и рассылки (в базу, где уже есть данные, — только с --force)',
    'add the demo data even though the database has data (existing demo accounts are skipped)':
      'добавить демонстрационные данные, даже если в базе уже есть данные (существующие демонстрационные учётные записи пропускаются)',
    'list published blog posts: slug, date, views, title':
      'показать опубликованные записи блога: ярлык, дата, просмотры, заголовок',
    'list drafts too': 'показать и черновики',
    'write SMTP attempts as CSV (everyone’s, or one owner’s) to a file or stdout':
      'выгрузить попытки SMTP в CSV (всех пользователей или одного владельца) в файл или в stdout',
    'only this mailing': 'только эта рассылка',
    'only this run': 'только этот запуск',
    'only successes or only failures': 'только успешные или только неудачные',
    'from this day (UTC)': 'начиная с этого дня (UTC)',
    'up to and including this day (UTC)': 'по этот день включительно (UTC)',
    'only this user’s mailings': 'только рассылки этого пользователя',
    'write to this file instead of stdout': 'записать в этот файл, а не в stdout',
    'print successful and failed attempts and messages sent: everyone’s with the table of users, or one owner’s':
      'показать успешные и неудачные попытки и отправленные сообщения: всех пользователей с таблицей по пользователям или одного владельца',
    'only this user’s figures': 'только показатели этого пользователя',
    'start a run of a mailing now and follow it to the end (exit 1 when anything failed)':
      'запустить рассылку сейчас и следить за запуском до конца (код выхода 1, если что-то не доставлено)',
    'the mailing to send': 'рассылка, которую нужно отправить',
    'one scheduler pass: start the runs that are due and send them (for cron)':
      'один проход планировщика: начать запуски, время которых пришло, и отправить их (для cron)',
    'run the scheduler and the sender without the web app (PostgreSQL only)':
      'запустить планировщик и отправку без веб-приложения (только PostgreSQL)',

    // errors
    'Error: {{message}}': 'Ошибка: {{message}}',
    'Configuration error: {{message}}': 'Ошибка конфигурации: {{message}}',
    'Error: {{file}} is not a file.': 'Ошибка: {{file}} — не файл.',
    'Error: cannot read {{file}}.': 'Ошибка: не удаётся прочитать {{file}}.',
    'Error: cannot write {{file}} ({{code}}).': 'Ошибка: не удаётся записать {{file}} ({{code}}).',
    'the running server refused the command (HTTP {{status}})': 'работающий сервер отклонил команду (HTTP {{status}})',
    'the running server closed the channel without a result': 'работающий сервер закрыл канал, не вернув результата',
    'Error: the data directory is held by PID {{pid}} ({{command}}), which did not take the command: {{reason}}':
      'Ошибка: каталог данных занят процессом PID {{pid}} ({{command}}), который не принял команду: {{reason}}',
    'Error: the data directory is in use by another Herald process (PID {{pid}}, {{command}}, since {{since}}). Stop it first, or run CLI commands while it runs: they are forwarded to it.':
      'Ошибка: каталог данных занят другим процессом Herald (PID {{pid}}, {{command}}, с {{since}}). Сначала остановите его или выполняйте команды CLI, пока он работает: они передаются ему.',
    'Error: a web-only process needs DATABASE_URL (PostgreSQL). The embedded database serves one process: `herald start` runs the web app, the scheduler and the sender in it.':
      'Ошибка: процессу только с веб-приложением нужен DATABASE_URL (PostgreSQL). Встроенная база данных обслуживает один процесс: `herald start` запускает в нём веб-приложение, планировщик и отправку.',
    'Error: a worker needs DATABASE_URL (PostgreSQL). The embedded database serves one process: `herald start` runs the web app, the scheduler and the sender in it.':
      'Ошибка: фоновому обработчику нужен DATABASE_URL (PostgreSQL). Встроенная база данных обслуживает один процесс: `herald start` запускает в нём веб-приложение, планировщик и отправку.',

    // progress bar
    Importing: 'Импорт',
    Sending: 'Отправляется',
    '{{time}} left': 'осталось {{time}}',

    // migrate, create-admin, set-role
    'The database schema is up to date.': 'Схема базы данных актуальна.',
    'Admin {{email}} created (id {{id}}).': 'Администратор {{email}} создан (id {{id}}).',
    '{{email}} is now {{role}}.': 'У {{email}} теперь роль {{role}}.',

    // import-recipients
    '{{count}} rows read for {{owner}}_one': 'Для {{owner}} прочитана {{count}} строка',
    '{{count}} rows read for {{owner}}_few': 'Для {{owner}} прочитаны {{count}} строки',
    '{{count}} rows read for {{owner}}_many': 'Для {{owner}} прочитано {{count}} строк',
    '{{count}} rows read for {{owner}}_other': 'Для {{owner}} прочитано {{count}} строки',
    '{{count}} rows imported_one': '{{count}} строка импортирована',
    '{{count}} rows imported_few': '{{count}} строки импортированы',
    '{{count}} rows imported_many': '{{count}} строк импортировано',
    '{{count}} rows imported_other': '{{count}} строки импортировано',
    '{{count}} duplicate rows skipped_one': '{{count}} повтор пропущен',
    '{{count}} duplicate rows skipped_few': '{{count}} повтора пропущены',
    '{{count}} duplicate rows skipped_many': '{{count}} повторов пропущено',
    '{{count}} duplicate rows skipped_other': '{{count}} повтора пропущено',
    '{{count}} rows skipped as invalid_one': '{{count}} неверная строка пропущена',
    '{{count}} rows skipped as invalid_few': '{{count}} неверные строки пропущены',
    '{{count}} rows skipped as invalid_many': '{{count}} неверных строк пропущено',
    '{{count}} rows skipped as invalid_other': '{{count}} неверной строки пропущено',
    'line {{line}}: {{reason}}': 'строка {{line}}: {{reason}}',
    '… and {{count}} more invalid rows._one': '… и ещё {{count}} неверная строка.',
    '… and {{count}} more invalid rows._few': '… и ещё {{count}} неверные строки.',
    '… and {{count}} more invalid rows._many': '… и ещё {{count}} неверных строк.',
    '… and {{count}} more invalid rows._other': '… и ещё {{count}} неверной строки.',

    // seed-demo
    'Error: the database already has data; use --force to add demo data anyway.':
      'Ошибка: в базе данных уже есть данные; чтобы всё равно добавить демонстрационные данные, используйте --force.',
    '{{email}}: the account exists already': '{{email}}: учётная запись уже существует',
    '{{email}}: an admin exists already': '{{email}}: администратор уже есть',
    'Demo data added. Log in at {{url}} with the password {{password}}:':
      'Демонстрационные данные добавлены. Войдите на {{url}} с паролем {{password}}:',
    '{{count}} recipients, 2 messages, 3 mailings_one': '{{count}} получатель, 2 сообщения, 3 рассылки',
    '{{count}} recipients, 2 messages, 3 mailings_few': '{{count}} получателя, 2 сообщения, 3 рассылки',
    '{{count}} recipients, 2 messages, 3 mailings_many': '{{count}} получателей, 2 сообщения, 3 рассылки',
    '{{count}} recipients, 2 messages, 3 mailings_other': '{{count}} получателя, 2 сообщения, 3 рассылки',
    'Nothing added.': 'Ничего не добавлено.',
    'Skipped, so nothing is added twice:': 'Пропущено, чтобы ничего не добавить дважды:',

    // send, send-due
    'Run #{{run}} of mailing {{mailing}}: {{sent}} sent, {{failed}} failed, {{suppressed}} suppressed, {{unknown}} unknown, of {{total}}.':
      'Запуск №{{run}} рассылки {{mailing}}: отправлено {{sent}}, не доставлено {{failed}}, в стоп-листе {{suppressed}}, неизвестно {{unknown}}, всего {{total}}.',
    '{{count}} runs started and sent_one': 'Начат и отправлен {{count}} запуск',
    '{{count}} runs started and sent_few': 'Начато и отправлено {{count}} запуска',
    '{{count}} runs started and sent_many': 'Начато и отправлено {{count}} запусков',
    '{{count}} runs started and sent_other': 'Начато и отправлено {{count}} запуска',
    '{{count}} occurrences skipped as too old_one': 'пропущено {{count}} устаревшее срабатывание',
    '{{count}} occurrences skipped as too old_few': 'пропущено {{count}} устаревших срабатывания',
    '{{count}} occurrences skipped as too old_many': 'пропущено {{count}} устаревших срабатываний',
    '{{count}} occurrences skipped as too old_other': 'пропущено {{count}} устаревшего срабатывания',

    // posts
    'No posts.': 'Записей нет.',
    'No published posts.': 'Опубликованных записей нет.',
    SLUG: 'ЯРЛЫК',
    'PUBLISHED (UTC)': 'ОПУБЛИКОВАНО (UTC)',
    VIEWS: 'ПРОСМОТРЫ',
    TITLE: 'ЗАГОЛОВОК',
    draft: 'черновик',

    // export-attempts, stats
    '{{count}} attempts of {{owner}} written to {{file}}._one': '{{count}} попытка пользователя {{owner}} записана в {{file}}.',
    '{{count}} attempts of {{owner}} written to {{file}}._few': '{{count}} попытки пользователя {{owner}} записаны в {{file}}.',
    '{{count}} attempts of {{owner}} written to {{file}}._many': '{{count}} попыток пользователя {{owner}} записано в {{file}}.',
    '{{count}} attempts of {{owner}} written to {{file}}._other': '{{count}} попытки пользователя {{owner}} записано в {{file}}.',
    '{{count}} attempts written to {{file}}._one': '{{count}} попытка записана в {{file}}.',
    '{{count}} attempts written to {{file}}._few': '{{count}} попытки записаны в {{file}}.',
    '{{count}} attempts written to {{file}}._many': '{{count}} попыток записано в {{file}}.',
    '{{count}} attempts written to {{file}}._other': '{{count}} попытки записано в {{file}}.',
    'Statistics of {{email}}:': 'Статистика пользователя {{email}}:',
    'Statistics of everyone:': 'Статистика всех пользователей:',
    'successful attempts': 'успешные попытки',
    'failed attempts': 'неудачные попытки',
    'messages sent': 'отправлено сообщений',
    'Attempts per day, last {{count}} days ({{timeZone}}): successful / failed_one':
      'Попытки по дням за последний {{count}} день ({{timeZone}}): успешные / неудачные',
    'Attempts per day, last {{count}} days ({{timeZone}}): successful / failed_few':
      'Попытки по дням за последние {{count}} дня ({{timeZone}}): успешные / неудачные',
    'Attempts per day, last {{count}} days ({{timeZone}}): successful / failed_many':
      'Попытки по дням за последние {{count}} дней ({{timeZone}}): успешные / неудачные',
    'Attempts per day, last {{count}} days ({{timeZone}}): successful / failed_other':
      'Попытки по дням за последние {{count}} дня ({{timeZone}}): успешные / неудачные',
    'No mailings.': 'Рассылок нет.',
    'The {{shown}} mailings with the most attempts, of {{total}}: successful / failed / sent':
      'Рассылки с наибольшим числом попыток ({{shown}} из {{total}}): успешные / неудачные / отправлено',
    'Mailings: successful / failed / sent': 'Рассылки: успешные / неудачные / отправлено',
    'Users: successful / failed / sent': 'Пользователи: успешные / неудачные / отправлено',

    // herald backup and herald restore (src/cli/backup.ts, src/db/backup.ts)
    'write a backup of the embedded database, with the blog’s cover images, to a file (works while `herald start` runs)':
      'записать резервную копию встроенной базы данных вместе с обложками блога в файл (работает и при запущенном `herald start`)',
    'the backup file to write': 'файл резервной копии, который нужно записать',
    'replace the file if it exists': 'заменить файл, если он существует',
    'replace the embedded database (and the cover images) with a backup; stop `herald start` first':
      'заменить встроенную базу данных (и обложки) резервной копией; сначала остановите `herald start`',
    'the backup file to restore': 'файл резервной копии, который нужно восстановить',
    'Error: `herald backup` and `herald restore` serve the embedded database. With DATABASE_URL set, back up PostgreSQL with pg_dump and restore with pg_restore (see docs/OPERATIONS.md).':
      'Ошибка: `herald backup` и `herald restore` работают со встроенной базой данных. Когда задан DATABASE_URL, делайте резервную копию PostgreSQL с помощью pg_dump и восстанавливайте её с помощью pg_restore (см. docs/OPERATIONS.md).',
    'Error: {{file}} already exists. Add --force to replace it.':
      'Ошибка: {{file}} уже существует. Добавьте --force, чтобы заменить его.',
    'Error: there is no database in {{dir}} to back up.':
      'Ошибка: в {{dir}} нет базы данных, с которой можно сделать резервную копию.',
    'Backup written to {{file}} ({{size}} MB).': 'Резервная копия записана в {{file}} ({{size}} МБ).',
    'Users: {{users}}, recipients: {{recipients}}, mailings: {{mailings}}, cover images: {{covers}}.':
      'Пользователей: {{users}}, получателей: {{recipients}}, рассылок: {{mailings}}, обложек: {{covers}}.',
    'Restored {{file}}, made {{createdAt}} (UTC).': 'Восстановлена резервная копия {{file}}, сделанная {{createdAt}} (UTC).',
    '{{count}} migrations applied to bring the backup up to this Herald’s schema._one':
      '{{count}} миграция применена, чтобы привести резервную копию к схеме этой версии Herald.',
    '{{count}} migrations applied to bring the backup up to this Herald’s schema._few':
      '{{count}} миграции применены, чтобы привести резервную копию к схеме этой версии Herald.',
    '{{count}} migrations applied to bring the backup up to this Herald’s schema._many':
      '{{count}} миграций применено, чтобы привести резервную копию к схеме этой версии Herald.',
    '{{count}} migrations applied to bring the backup up to this Herald’s schema._other':
      '{{count}} миграции применено, чтобы привести резервную копию к схеме этой версии Herald.',
    'Error: the data directory is in use by PID {{pid}} ({{command}}). Stop it before restoring: a restore replaces the database it has open.':
      'Ошибка: каталог данных занят процессом PID {{pid}} ({{command}}). Остановите его перед восстановлением: восстановление заменяет открытую им базу данных.',
    'Error: {{file}} is not a Herald backup.': 'Ошибка: {{file}} не является резервной копией Herald.',
    'Error: the backup {{file}} is damaged: its part {{part}} is missing, cut short or altered.':
      'Ошибка: резервная копия {{file}} повреждена: её часть {{part}} отсутствует, обрезана или изменена.',
    'Error: {{file}} was made by a newer Herald (schema version {{found}}; this one knows up to {{known}}). Upgrade Herald, then restore.':
      'Ошибка: {{file}} сделана более новой версией Herald (версия схемы {{found}}; эта версия знает до {{known}}). Обновите Herald, затем восстанавливайте.',
    'Error: the database in {{file}} could not be opened ({{reason}}). Nothing was changed.':
      'Ошибка: не удалось открыть базу данных из {{file}} ({{reason}}). Ничего не изменено.',
  },
} satisfies Catalogue;
