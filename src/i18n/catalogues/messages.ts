import type { Catalogue } from './types.ts';

export default {
  en: {
    '{{count}} messages_one': '{{count, number}} message',
    '{{count}} messages_other': '{{count, number}} messages',
    '{{count}} mailings use this message, so it cannot be deleted until they are deleted or given another message._one':
      'A mailing uses this message, so it cannot be deleted until that mailing is deleted or given another message.',
    '{{count}} mailings use this message, so it cannot be deleted until they are deleted or given another message._other':
      '{{count, number}} mailings use this message, so it cannot be deleted until they are deleted or given another message.',
    'This message is used by {{count}} mailings; delete them or choose another message for them first._one':
      'This message is used by {{count, number}} mailing; delete it or choose another message for it first.',
    'This message is used by {{count}} mailings; delete them or choose another message for them first._other':
      'This message is used by {{count, number}} mailings; delete them or choose another message for them first.',
  },
  ru: {
    // The list
    Messages: 'Сообщения',
    'New message': 'Новое сообщение',
    'Search by subject': 'Поиск по теме',
    Search: 'Поиск',
    '{{count}} messages_one': '{{count, number}} сообщение',
    '{{count}} messages_few': '{{count, number}} сообщения',
    '{{count}} messages_many': '{{count, number}} сообщений',
    '{{count}} messages_other': '{{count, number}} сообщения',
    Subject: 'Тема',
    Format: 'Формат',
    'Plain text': 'Простой текст',
    Owner: 'Владелец',
    Changed: 'Изменено',
    Created: 'Создана',

    // One message, the form, deleting
    Body: 'Текст',
    Preview: 'Предпросмотр',
    Edit: 'Изменить',
    Delete: 'Удалить',
    Save: 'Сохранить',
    'Edit message': 'Изменение сообщения',
    'Delete message': 'Удаление сообщения',
    'the message “{{subject}}”': 'сообщение «{{subject}}»',
    "Placeholders, in the subject and the body: {{name}} (the recipient's full name), {{email}} (their address) and {{unsubscribe_url}} (their unsubscribe link, e.g. {{example}} in Markdown). Nothing else is allowed.":
      'Подстановки в теме и тексте: {{name}} (полное имя получателя), {{email}} (его адрес) и {{unsubscribe_url}} (его ссылка для отписки, например {{example}} в Markdown). Ничего другого использовать нельзя.',
    Unsubscribe: 'Отписаться',
    '{{count}} mailings use this message, so it cannot be deleted until they are deleted or given another message._one':
      'Это сообщение используется в {{count, number}} рассылке, поэтому его нельзя удалить, пока рассылку не удалят или не выберут для неё другое сообщение.',
    '{{count}} mailings use this message, so it cannot be deleted until they are deleted or given another message._few':
      'Это сообщение используется в {{count, number}} рассылках, поэтому его нельзя удалить, пока эти рассылки не удалят или не выберут для них другое сообщение.',
    '{{count}} mailings use this message, so it cannot be deleted until they are deleted or given another message._many':
      'Это сообщение используется в {{count, number}} рассылках, поэтому его нельзя удалить, пока эти рассылки не удалят или не выберут для них другое сообщение.',
    '{{count}} mailings use this message, so it cannot be deleted until they are deleted or given another message._other':
      'Это сообщение используется в {{count, number}} рассылки, поэтому его нельзя удалить, пока эти рассылки не удалят или не выберут для них другое сообщение.',
    'The message is saved.': 'Сообщение сохранено.',
    'The message is deleted.': 'Сообщение удалено.',
    'Message not found.': 'Сообщение не найдено.',
    'You can read this message but not change it.': 'Вы можете просматривать это сообщение, но не изменять его.',
    'This message is used by {{count}} mailings; delete them or choose another message for them first._one':
      'Это сообщение используется в {{count, number}} рассылке; сначала удалите её или выберите для неё другое сообщение.',
    'This message is used by {{count}} mailings; delete them or choose another message for them first._few':
      'Это сообщение используется в {{count, number}} рассылках; сначала удалите их или выберите для них другое сообщение.',
    'This message is used by {{count}} mailings; delete them or choose another message for them first._many':
      'Это сообщение используется в {{count, number}} рассылках; сначала удалите их или выберите для них другое сообщение.',
    'This message is used by {{count}} mailings; delete them or choose another message for them first._other':
      'Это сообщение используется в {{count, number}} рассылки; сначала удалите их или выберите для них другое сообщение.',
    'Body is required.': 'Введите текст.',
    'Body must be at most {{max, number}} characters.': 'Текст должен быть не длиннее {{max, number}} символов.',
    'Body must not contain control characters.': 'Текст не должен содержать управляющих символов.',
    'Choose Markdown or plain text.': 'Выберите Markdown или простой текст.',

    // Why a subject or body is not a valid template
    'Unknown placeholder {{tag}}: use {{name}}, {{email}} or {{unsubscribe_url}}.':
      'Неизвестная подстановка {{tag}}: используйте {{name}}, {{email}} или {{unsubscribe_url}}.',
    'A placeholder is not closed: a "{{" has no matching "}}".': 'Подстановка не закрыта: у «{{» нет парной «}}».',
    'Sections ({{tag}}…{{end}}) are not supported; only {{name}}, {{email}} and {{unsubscribe_url}} are.':
      'Блоки ({{tag}}…{{end}}) не поддерживаются; можно использовать только {{name}}, {{email}} и {{unsubscribe_url}}.',
    'Inverted sections ({{tag}}) are not supported; only {{name}}, {{email}} and {{unsubscribe_url}} are.':
      'Обратные блоки ({{tag}}) не поддерживаются; можно использовать только {{name}}, {{email}} и {{unsubscribe_url}}.',
    'Partials ({{tag}}) are not supported: a message cannot include other templates.':
      'Вложенные шаблоны ({{tag}}) не поддерживаются: сообщение не может включать другие шаблоны.',
    '{{triple}} and {{ampersand}} insert a value unescaped and are not supported; write {{tag}} instead.':
      '{{triple}} и {{ampersand}} вставляют значение без экранирования и не поддерживаются; пишите {{tag}}.',
    'Comments ({{! … }}) are not supported; remove the comment.':
      'Комментарии ({{! … }}) не поддерживаются; удалите комментарий.',
    'Changing the delimiters ({{= … =}}) is not supported.': 'Смена разделителей ({{= … =}}) не поддерживается.',
    'The placeholders cannot be read ({{reason}}); only {{name}}, {{email}} and {{unsubscribe_url}} are allowed.':
      'Не удаётся разобрать подстановки ({{reason}}); можно использовать только {{name}}, {{email}} и {{unsubscribe_url}}.',
    'This kind of tag is not supported ({{tag}}).': 'Такой тег не поддерживается ({{tag}}).',

    // Preview and a test to oneself
    'Preview: {{subject}}': 'Предпросмотр: {{subject}}',
    'As {{email}} would receive it; the unsubscribe link is an example. Remote images are not loaded in the preview.':
      'Так письмо получит {{email}}; ссылка для отписки — пример. Внешние изображения в предпросмотре не загружаются.',
    'Subject:': 'Тема:',
    'HTML part': 'HTML-часть',
    'HTML preview': 'Предпросмотр HTML',
    'Text part': 'Текстовая часть',
    'Send a test to me': 'Отправить мне тестовое письмо',
    'A test is on its way to {{email}}.': 'Тестовое письмо отправляется на {{email}}.',
  },
} satisfies Catalogue;
