import type { Catalogue } from './types.ts';

export default {
  en: {
    '{{count}} entries_one': '{{count}} entry',
    '{{count}} entries_other': '{{count}} entries',
  },
  ru: {
    'Audit log': 'Журнал аудита',
    'Your own oversight actions.': 'Только ваши собственные действия.',
    Action: 'Действие',
    'Any action': 'Любое действие',
    Filter: 'Показать',
    'About {{target}}': 'Объект: {{target}}',
    'Show all': 'Показать все',
    '{{count}} entries_one': '{{count}} запись',
    '{{count}} entries_few': '{{count}} записи',
    '{{count}} entries_many': '{{count}} записей',
    '{{count}} entries_other': '{{count}} записи',
    'When ({{timeZone}})': 'Когда ({{timeZone}})',
    Actor: 'Кто',
    Target: 'Объект',
    Reason: 'Причина',

    // Actions, by their stored codes
    'Role changed': 'Роль изменена',
    'User blocked': 'Пользователь заблокирован',
    'User unblocked': 'Пользователь разблокирован',
    'User deleted': 'Пользователь удалён',
    'Admin created': 'Создан администратор',
    'Mailing disabled': 'Рассылка отключена',
    'Mailing enabled': 'Рассылка включена',
    'Post published': 'Запись опубликована',
    'Post unpublished': 'Запись снята с публикации',

    // Targets
    'user #{{id}}': 'пользователь № {{id}}',
    'mailing #{{id}}': 'рассылка № {{id}}',
    'post #{{id}}': 'запись № {{id}}',
    '{{email}} (user #{{id}}, deleted)': '{{email}} (пользователь № {{id}}, удалён)',

    'Your role does not allow reading the audit log.': 'Ваша роль не позволяет читать журнал аудита.',
  },
} satisfies Catalogue;
