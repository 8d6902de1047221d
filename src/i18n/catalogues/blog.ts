import type { Catalogue } from './types.ts';

export default {
  en: {
    '{{count}} views_one': '{{count}} view',
    '{{count}} views_other': '{{count}} views',
  },
  ru: {
    // Lists
    Blog: 'Блог',
    'Write a post': 'Написать запись',
    Drafts: 'Черновики',
    'Atom feed': 'Лента Atom',
    'No posts yet.': 'Записей пока нет.',
    Draft: 'Черновик',
    'Drafts waiting to be published': 'Черновики, ожидающие публикации',
    'Your drafts': 'Ваши черновики',
    'No drafts.': 'Черновиков нет.',
    Title: 'Заголовок',
    Author: 'Автор',
    'Last changed': 'Изменено',

    // A post
    'Not published': 'Не опубликовано',
    '{{count}} views_one': '{{count}} просмотр',
    '{{count}} views_few': '{{count}} просмотра',
    '{{count}} views_many': '{{count}} просмотров',
    '{{count}} views_other': '{{count}} просмотра',
    Edit: 'Изменить',
    Delete: 'Удалить',
    'Reason (kept in the audit log)': 'Причина (сохраняется в журнале аудита)',
    Publish: 'Опубликовать',
    Unpublish: 'Снять с публикации',
    'Delete post': 'Удалить запись',
    'the post “{{title}}”': 'запись «{{title}}»',
    'The post is deleted.': 'Запись удалена.',
    'The post is published.': 'Запись опубликована.',
    'The post is back to draft.': 'Запись снова стала черновиком.',

    // The form
    'New post': 'Новая запись',
    'Edit post': 'Изменить запись',
    Body: 'Текст',
    'Markdown. Scripts, event handlers and javascript: links are removed.':
      'Markdown. Скрипты, обработчики событий и ссылки javascript: удаляются.',
    'Remove the current cover': 'Убрать текущую обложку',
    'Replace the cover image': 'Заменить обложку',
    'Cover image': 'Обложка',
    'Optional. JPEG, PNG, WebP or GIF, at most 5 MB.': 'Необязательно. JPEG, PNG, WebP или GIF, не больше 5 МБ.',
    Save: 'Сохранить',
    'Save draft': 'Сохранить черновик',
    'The draft is saved. A manager publishes it.': 'Черновик сохранён. Опубликует его менеджер.',
    'The post is saved.': 'Запись сохранена.',

    // Refusals
    'Body is required.': 'Введите текст.',
    'Body must be at most {{max}} characters.': 'Текст должен быть не длиннее {{max}} символов.',
    'Body must not contain control characters.': 'Текст не должен содержать управляющих символов.',
    'This field is too long.': 'Это поле слишком длинное.',
    'The cover image must be at most 5 MB.': 'Обложка должна быть не больше 5 МБ.',
    'The cover file is empty.': 'Файл обложки пуст.',
    'SVG images are not accepted (they can carry scripts); use JPEG, PNG, WebP or GIF.':
      'Изображения SVG не принимаются (в них могут быть скрипты); используйте JPEG, PNG, WebP или GIF.',
    'The cover must be a JPEG, PNG, WebP or GIF image.': 'Обложка должна быть изображением JPEG, PNG, WebP или GIF.',
    'You can read this post but not change it.': 'Эту запись можно читать, но не изменять.',
    'Only managers and admins can publish and unpublish posts.':
      'Публиковать записи и снимать их с публикации могут только менеджеры и администраторы.',
    'Could not find a free address for this title; try again.':
      'Не удалось подобрать свободный адрес для этого заголовка; попробуйте ещё раз.',
  },
} satisfies Catalogue;
