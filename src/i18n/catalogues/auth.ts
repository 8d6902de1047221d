import type { Catalogue } from './types.ts';

/** Registration, confirmation, logging in, password reset, first-run setup and their e-mails. */
export default {
  en: {},
  ru: {
    // Pages
    Register: 'Зарегистрироваться',
    'Create your account': 'Создайте аккаунт',
    'Full name': 'Полное имя',
    'E-mail': 'Эл. почта',
    Password: 'Пароль',
    'Password again': 'Пароль ещё раз',
    'At least 10 characters; not a common password.': 'Не короче 10 символов и не из числа распространённых паролей.',
    'Already registered?': 'Уже зарегистрированы?',
    'Log in': 'Войти',
    'Check your inbox': 'Проверьте почту',
    'We sent a confirmation link to {{email}}.': 'Мы отправили ссылку для подтверждения на {{email}}.',
    'Open it to activate your account; it works once and expires in 48 hours.':
      'Откройте её, чтобы активировать аккаунт; она сработает один раз и действует 48 часов.',
    'Nothing arrived?': 'Ничего не пришло?',
    'Send the link again': 'Отправить ссылку ещё раз',
    'Resend the confirmation e-mail': 'Отправить письмо для подтверждения ещё раз',
    'Forgot your password?': 'Забыли пароль?',
    'Create an account': 'Создать аккаунт',
    'Choose a new password': 'Выберите новый пароль',
    'Set password': 'Установить пароль',
    'Set up Herald': 'Настройка Herald',
    'Welcome to Herald': 'Добро пожаловать в Herald',
    'Create the administrator account. This page is shown once, until the first admin exists.':
      'Создайте аккаунт администратора. Эта страница показывается один раз, пока нет ни одного администратора.',
    'Create admin': 'Создать администратора',
    'Resend the confirmation link': 'Повторная отправка ссылки для подтверждения',
    'Enter the address you registered with; if its account is not confirmed yet, we send a new link.':
      'Введите адрес, с которым вы регистрировались; если аккаунт ещё не подтверждён, мы отправим новую ссылку.',
    'Send link': 'Отправить ссылку',
    'Reset your password': 'Сброс пароля',
    'Enter your e-mail address; if it has an account, we send a link to choose a new password.':
      'Введите адрес электронной почты; если с ним связан аккаунт, мы отправим ссылку для выбора нового пароля.',
    'Send reset link': 'Отправить ссылку для сброса',
    'If that address has an account, a link to reset its password is on its way. It works once, for one hour.':
      'Если с этим адресом связан аккаунт, ссылка для сброса пароля уже в пути. Она сработает один раз в течение часа.',
    'This link cannot be used': 'Эту ссылку нельзя использовать',

    // Flash messages
    'Your e-mail address is confirmed. You can log in now.': 'Адрес электронной почты подтверждён. Теперь можно войти.',
    'If that address has an unconfirmed account, a new confirmation link is on its way.':
      'Если с этим адресом связан неподтверждённый аккаунт, новая ссылка для подтверждения уже в пути.',
    'Welcome back, {{name}}.': 'С возвращением, {{name}}!',
    'You are logged out.': 'Вы вышли из Herald.',
    'Your password is changed. Log in with the new one.': 'Пароль изменён. Войдите с новым паролем.',
    'Herald is ready. You are logged in as its administrator.': 'Herald готов к работе. Вы вошли как его администратор.',

    // Errors
    'The two passwords do not match.': 'Пароли не совпадают.',
    'Password must not be your e-mail address.': 'Пароль не должен совпадать с адресом электронной почты.',
    'Password is required.': 'Введите пароль.',
    'Password is too long.': 'Пароль слишком длинный.',
    'Enter your current password.': 'Введите текущий пароль.',
    'This link is not valid. Ask for a new one.': 'Эта ссылка недействительна. Запросите новую.',
    'This link has already been used. Ask for a new one.': 'Эта ссылка уже использована. Запросите новую.',
    'This link has expired. Ask for a new one.': 'Срок действия ссылки истёк. Запросите новую.',
    'Too many failed log-in attempts. Try again later.': 'Слишком много неудачных попыток входа. Попробуйте позже.',
    'E-mail or password is wrong.': 'Неверный адрес электронной почты или пароль.',
    'This account is blocked. Contact the administrator.': 'Этот аккаунт заблокирован. Обратитесь к администратору.',
    'Confirm your e-mail address first: open the link we sent you.':
      'Сначала подтвердите адрес электронной почты: откройте ссылку, которую мы вам отправили.',
    'The current password is wrong.': 'Текущий пароль неверен.',
    'Herald is already set up.': 'Herald уже настроен.',
    'An account with this e-mail already exists.': 'Аккаунт с таким адресом электронной почты уже существует.',
    'An account with this e-mail already exists; use `herald set-role` to make it an admin.':
      'Аккаунт с таким адресом электронной почты уже существует; чтобы сделать его администратором, используйте `herald set-role`.',

    // E-mails
    'Hello {{name}},': 'Здравствуйте, {{name}}!',
    'Confirm your e-mail address': 'Подтвердите адрес электронной почты',
    'Open this link to confirm your e-mail address and activate your Herald account:':
      'Откройте эту ссылку, чтобы подтвердить адрес электронной почты и активировать аккаунт Herald:',
    'The link works once and expires in 48 hours. If you did not register, ignore this e-mail.':
      'Ссылка сработает один раз и действует 48 часов. Если вы не регистрировались, просто проигнорируйте это письмо.',
    'Open this link to choose a new password for your Herald account:':
      'Откройте эту ссылку, чтобы выбрать новый пароль для аккаунта Herald:',
    'The link works once and expires in 1 hour. If you did not ask for it, ignore this e-mail: your password stays as it is.':
      'Ссылка сработает один раз и действует 1 час. Если вы её не запрашивали, проигнорируйте это письмо: пароль останется прежним.',
    'You already have a Herald account': 'У вас уже есть аккаунт Herald',
    'Someone tried to register with this address, which already has an account. If it was you, log in or reset your password:':
      'Кто-то пытался зарегистрироваться с этим адресом, но с ним уже связан аккаунт. Если это были вы, войдите или сбросьте пароль:',
    'If it was not you, ignore this e-mail.': 'Если это были не вы, просто проигнорируйте это письмо.',
  },
} satisfies Catalogue;
