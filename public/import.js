// Progress for CSV uploads: the form works without this script; with it, the upload shows a
// progress bar and the report replaces the page when the server has imported the file.
for (const form of document.querySelectorAll('form[data-upload="progress"]')) {
  form.addEventListener('submit', (event) => {
    const progress = form.querySelector('progress');
    if (!progress || typeof XMLHttpRequest === 'undefined') return;
    event.preventDefault();
    const request = new XMLHttpRequest();
    request.open('POST', form.action);
    progress.hidden = false;
    progress.removeAttribute('value');
    request.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable) {
        progress.max = e.total;
        progress.value = e.loaded;
      }
    });
    // Once uploaded, the server is still importing: an indeterminate bar until the report comes.
    request.upload.addEventListener('load', () => progress.removeAttribute('value'));
    request.addEventListener('load', () => {
      document.open();
      document.write(request.responseText);
      document.close();
    });
    request.addEventListener('error', () => form.submit());
    request.send(new FormData(form));
  });
}
